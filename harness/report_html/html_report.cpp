#include "harness/report_html/html_report.hpp"

#include <fstream>

#include <nlohmann/json.hpp>

#include "testdb/errors.hpp"

namespace testdb::detail {
namespace {

// JSON inside <script type="application/json">: only "</" could end the
// element early (a test named "</script>"); "<\/" is the same JSON string.
std::string script_safe(std::string json_text) {
    std::string out;
    out.reserve(json_text.size());
    for (std::size_t i = 0; i < json_text.size(); ++i) {
        out += json_text[i];
        if (json_text[i] == '<' && i + 1 < json_text.size() && json_text[i + 1] == '/') {
            out += '\\';
        }
    }
    return out;
}

}  // namespace

std::string htmlReport(const RunReport& report, const HtmlExtras& extras) {
    nlohmann::json activity = nlohmann::json::array();
    for (const auto& [unix_ms, count] : extras.server_connections) {
        activity.push_back(nlohmann::json::array({unix_ms, count}));
    }
    const nlohmann::json data{
        {"report", nlohmann::json::parse(report.toJson())},
        {"activity", {{"samples", std::move(activity)}, {"limit", extras.server_connections_limit}}},
        {"error", extras.error},
        {"verdict", extras.verdict}};
    std::string page = kHtmlHead;
    page += "<script type=\"application/json\" id=\"testdb-data\">";
    page += script_safe(data.dump());
    page += "</script>\n<script>";
    page += kHtmlScript;
    page += "</script>\n</body>\n</html>\n";
    return page;
}

void writeHtmlReport(const std::filesystem::path& path, const RunReport& report,
                     const HtmlExtras& extras) {
    const std::filesystem::path temp = path.string() + ".tmp";
    {
        std::ofstream out(temp);
        out << htmlReport(report, extras);
        if (!out) {
            throw Error("Error: cannot write the HTML report to " + temp.string() +
                        ".\nFix: set TESTDB_REPORT_HTML (or --html) to a path in a writable "
                        "directory.");
        }
    }
    std::filesystem::rename(temp, path);
}

}  // namespace testdb::detail
