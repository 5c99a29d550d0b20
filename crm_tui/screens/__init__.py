"""One screen per page of the app."""
