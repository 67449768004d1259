"""Getting pages to readers: validators and 304s, kept copies, view counting, outages."""
