// The consumer's second test file: with two files the suite has something
// to split, so docs/CI.md's shard recipes (tests/docs) run real shards.
#include <catch2/catch.hpp>

#include "testdb/context.hpp"
#include "testdb/factory.hpp"

namespace {
const testdb::Factory widgets = testdb::Factory("widgets", "widget").slugColumn("slug");
}  // namespace

TEST_CASE("consumer: a factory gives each widget its own slug", "[consumer]") {
    const auto& tenant = testdb::context().tenants.tenantA;
    const auto first = widgets.create(tenant);
    const auto second = widgets.create(tenant);
    CHECK(first.at("slug") != second.at("slug"));
}
