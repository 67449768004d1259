"""What readers tell editors: searches, views over time, reports."""
