"""People-facing renderers: spreadsheets (`tabular`: CSV for Excel, .xlsx workbooks)
and papers in HTML (with print CSS) and PDF.

`views` turns decisions into what a paper shows; `html` lays it out through
the Jinja2 templates beside it (autoescaped); `pdf` prints that HTML.
"""
