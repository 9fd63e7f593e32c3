// Container image -> mock or host program, from data/images.yaml plus user tables of the same
// format.
#include <stdexcept>

#include "mcpsim/core/yaml.hpp"
#include "mcpsim/mocks/catalog.hpp"

namespace mcpsim::embedded {
std::string_view mockImages();
}

namespace mcpsim::mocks {

namespace {

using ImageRow = ImageTable::Row;

// "registry:5000/org/name:tag@sha256:..." -> "registry:5000/org/name".
std::string withoutTag(std::string image) {
    if (auto at = image.find('@'); at != std::string::npos) image.erase(at);
    const auto slash = image.rfind('/');
    const auto colon = image.rfind(':');
    if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
        image.erase(colon);
    }
    return image;
}

struct Table {
    std::vector<ImageRow> rows;
    std::map<std::string, HostProgramSpec> programs;
};

Table parseTable(const std::string& yaml, const std::map<std::string, HostProgramSpec>& known) {
    Table t;
    std::vector<Json> docs;
    try {
        docs = core::parseYamlDocuments(yaml);
    } catch (const core::YamlError& e) {
        throw std::runtime_error(std::string("mock image table: ") + e.what());
    }
    auto fail = [](const std::string& why) {
        return std::runtime_error("mock image table: " + why);
    };
    for (const Json& doc : docs) {
        if (!doc.is_object() || !doc.contains("images") || !doc["images"].is_array()) {
            throw fail("want a top-level \"images\" list");
        }
        for (const Json& p : doc.value("programs", Json::array())) {
            HostProgramSpec spec;
            if (!p.is_object() || !p.value("name", Json()).is_string() ||
                !p.value("command", Json()).is_array() || p["command"].empty() ||
                !p.value("port", Json()).is_number_integer() || p["port"].get<long long>() < 1 ||
                p["port"].get<long long>() > 65535) {
                throw fail("each program needs a string name, a command list and a port");
            }
            spec.name = p["name"].get<std::string>();
            spec.port = static_cast<std::uint16_t>(p["port"].get<long long>());
            for (const Json& a : p["command"]) {
                if (!a.is_string()) throw fail("program " + spec.name + ": command of strings");
                spec.command.push_back(a.get<std::string>());
            }
            t.programs[spec.name] = spec;
        }
        for (const Json& row : doc["images"]) {
            const bool mockRow = row.is_object() && row.value("mock", Json()).is_string();
            const bool programRow = row.is_object() && row.value("program", Json()).is_string();
            if (!row.is_object() || !row.value("image", Json()).is_string() ||
                mockRow == programRow) {
                throw fail("each row needs a string image and either a mock or a program");
            }
            ImageRow r;
            r.image = row["image"].get<std::string>();
            if (r.image.empty()) throw fail("empty image");
            if (mockRow) {
                r.mock = row["mock"].get<std::string>();
                if (!findMock(r.mock)) {
                    throw fail("unknown mock \"" + r.mock + "\" for image \"" + r.image + "\"");
                }
            } else {
                r.program = row["program"].get<std::string>();
                if (!t.programs.count(r.program) && !known.count(r.program)) {
                    throw fail("unknown program \"" + r.program + "\" for image \"" + r.image +
                               "\"");
                }
            }
            t.rows.push_back(std::move(r));
        }
    }
    return t;
}

}  // namespace

ImageTable::ImageTable() {
    Table t = parseTable(std::string(embedded::mockImages()), {});
    rows_ = std::move(t.rows);
    programs_ = std::move(t.programs);
}

// Rows added later are tried first, so a user table can override the built-in one.
void ImageTable::addYaml(const std::string& yaml) {
    Table t = parseTable(yaml, programs_);
    rows_.insert(rows_.begin(), t.rows.begin(), t.rows.end());
    for (auto& [name, spec] : t.programs) programs_[name] = std::move(spec);
}

const ImageTable::Row* ImageTable::match(const std::string& image) const {
    const std::string name = withoutTag(image);
    for (const auto& row : rows_) {
        if (name.find(row.image) != std::string::npos) return &row;
    }
    return nullptr;
}

std::optional<std::string> ImageTable::mockFor(const std::string& image) const {
    const Row* row = match(image);
    if (!row || row->mock.empty()) return std::nullopt;
    return row->mock;
}

const HostProgramSpec* ImageTable::programFor(const std::string& image) const {
    const Row* row = match(image);
    if (!row || row->program.empty()) return nullptr;
    auto it = programs_.find(row->program);
    return it == programs_.end() ? nullptr : &it->second;
}

}  // namespace mcpsim::mocks
