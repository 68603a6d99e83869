"""What the API hands out as files: CSV lists and XLSX workbooks, laid out for officials."""
