"""The store: models, migrations, search and the services the faces call (see DESIGN.md)."""
