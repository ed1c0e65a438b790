// The HTML report's page: everything inline (CSP: nothing may be fetched),
// the data in <script id="testdb-data">, drawn by html_script.cpp's script.
#include "harness/report_html/html_report.hpp"

namespace testdb::detail {

const char* const kHtmlHead = R"TESTDB(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>testdb run report</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 16px 24px; color: #1d2330; background: #fff; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 20px 0 6px; border-bottom: 1px solid #d8dce4; }
table { border-collapse: collapse; margin: 4px 0; }
td, th { padding: 2px 10px 2px 0; text-align: left; vertical-align: top; }
th { color: #5a6275; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { white-space: pre-wrap; margin: 2px 0; font-size: 12px; }
.error { background: #fdecec; border: 1px solid #e5a0a0; padding: 6px 12px; }
.note { color: #5a6275; }
.controls button { margin-right: 4px; }
svg text { font: 11px system-ui, sans-serif; fill: #1d2330; }
.lane-bg { fill: #f2f4f8; }
.bar.agg { fill: #8791a8; }
.bar.leaked { stroke: #d97706; stroke-width: 2; }
.bar.in-tx { stroke: #b91c1c; stroke-dasharray: 3 2; stroke-width: 1.5; }
.waiting-band { fill: #f59e0b; fill-opacity: .55; }
.waiting-bg { fill: #fff7e6; }
.marker.timeout path { fill: #dc2626; }
.marker.broken path { stroke: #7c3aed; stroke-width: 2.5; fill: none; }
.marker.leaked path { fill: #d97706; }
.activity-line { fill: none; stroke: #2563eb; stroke-width: 1.5; }
.limit-line { stroke: #dc2626; stroke-dasharray: 5 3; }
.axis line { stroke: #c3c8d4; }
.swatch { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 12px; }
</style>
</head>
<body>
<div id="app"><noscript>This report draws itself with inline JavaScript; the data is in the
testdb-data element of this file.</noscript></div>
)TESTDB";

}  // namespace testdb::detail
