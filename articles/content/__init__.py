"""The glossary's content and its rules: Markdown made safe, A–Z order, the names an entry
may take, person-first language, content health, entries as files, what a save sets off."""
