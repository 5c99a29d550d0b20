"""Spreadsheet import and export (issue 3): reading, header mapping, validation and
writing through db.services. Never imports textual, typer or rich."""
