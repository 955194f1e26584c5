// The Reports module: the report catalog (reports/*.sql), tables, CSV and JSON export,
// the HTML report and its SVG charts. It depends on Tracking only. Filled by the reports issue.
