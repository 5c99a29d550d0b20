"""The only API the faces (CLI, TUI, importers) call. Plain values in, plain values out."""
