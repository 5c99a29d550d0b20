"""The full-screen Textual interface (issue 5). Until it lands, bare `crm` prints the
morning summary from cli/dashboard.py."""
