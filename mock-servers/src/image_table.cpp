// Container image -> mock, from data/images.yaml plus user tables of the same format.
#include <stdexcept>

#include "mcpsim/core/yaml.hpp"
#include "mcpsim/mocks/catalog.hpp"

namespace mcpsim::embedded {
std::string_view mockImages();
}

namespace mcpsim::mocks {

namespace {

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

std::vector<std::pair<std::string, std::string>> parseTable(const std::string& yaml) {
    std::vector<std::pair<std::string, std::string>> rows;
    std::vector<Json> docs;
    try {
        docs = core::parseYamlDocuments(yaml);
    } catch (const core::YamlError& e) {
        throw std::runtime_error(std::string("mock image table: ") + e.what());
    }
    for (const Json& doc : docs) {
        if (!doc.is_object() || !doc.contains("images") || !doc["images"].is_array()) {
            throw std::runtime_error("mock image table: want a top-level \"images\" list");
        }
        for (const Json& row : doc["images"]) {
            if (!row.is_object() || !row.value("image", Json()).is_string() ||
                !row.value("mock", Json()).is_string()) {
                throw std::runtime_error("mock image table: each row needs string image and mock");
            }
            const std::string image = row["image"].get<std::string>();
            const std::string mock = row["mock"].get<std::string>();
            if (image.empty()) throw std::runtime_error("mock image table: empty image");
            if (!findMock(mock)) {
                throw std::runtime_error("mock image table: unknown mock \"" + mock +
                                         "\" for image \"" + image + "\"");
            }
            rows.emplace_back(image, mock);
        }
    }
    return rows;
}

}  // namespace

ImageTable::ImageTable() : rows_(parseTable(std::string(embedded::mockImages()))) {}

// Rows added later are tried first, so a user table can override the built-in one.
void ImageTable::addYaml(const std::string& yaml) {
    auto rows = parseTable(yaml);
    rows_.insert(rows_.begin(), rows.begin(), rows.end());
}

std::optional<std::string> ImageTable::mockFor(const std::string& image) const {
    const std::string name = withoutTag(image);
    for (const auto& [pattern, mock] : rows_) {
        if (name.find(pattern) != std::string::npos) return mock;
    }
    return std::nullopt;
}

}  // namespace mcpsim::mocks
