"""Writers of results for people: workbooks and reports (Vietnamese)."""
