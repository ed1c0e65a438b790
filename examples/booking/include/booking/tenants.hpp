/// @file tenants.hpp
/// @brief Naming a tenant by id or by slug, and resolving either to the row.
///
/// The bug this example was written for: a tenant's slug was passed where
/// its id was expected, and the query quietly matched nothing (or, worse, a
/// tenant whose id happened to equal a numeric slug). TenantRef makes the
/// caller say which one it holds; there is deliberately no constructor that
/// guesses from a string.
#pragma once

#include <functional>
#include <string>
#include <variant>

#include <pqxx/transaction_base>

namespace booking {

/// A tenant's primary key. A distinct type so an id can never be mixed up
/// with a booking id, a price or a slug by accident.
struct TenantId {
    long long value = 0;  ///< the `tenants.id` value

    /// Ids compare by value.
    friend bool operator==(TenantId a, TenantId b) noexcept { return a.value == b.value; }
    /// Ids compare by value.
    friend bool operator!=(TenantId a, TenantId b) noexcept { return a.value != b.value; }
    /// Ordered, so ids can key a std::map.
    friend bool operator<(TenantId a, TenantId b) noexcept { return a.value < b.value; }
};

/// A tenant named either by id or by slug; build one with byId() or bySlug().
class TenantRef {
public:
    /// The tenant whose primary key is `id`.
    static TenantRef byId(TenantId id) { return TenantRef(id); }
    /// The tenant whose primary key is `id`.
    static TenantRef byId(long long id) { return TenantRef(TenantId{id}); }
    /// The tenant whose slug is `slug`. A slug made of digits is still a
    /// slug: it is never reinterpreted as an id.
    static TenantRef bySlug(std::string slug) { return TenantRef(std::move(slug)); }

    /// True when this names the tenant by id.
    bool isId() const noexcept { return std::holds_alternative<TenantId>(value_); }
    /// True when this names the tenant by slug.
    bool isSlug() const noexcept { return std::holds_alternative<std::string>(value_); }
    /// The id; throws std::logic_error when this names a slug.
    TenantId id() const;
    /// The slug; throws std::logic_error when this names an id.
    const std::string& slug() const;
    /// `tenant id 42` or `tenant slug "acme"`, for messages.
    std::string describe() const;

private:
    explicit TenantRef(TenantId id) : value_(id) {}
    explicit TenantRef(std::string slug) : value_(std::move(slug)) {}

    std::variant<TenantId, std::string> value_;
};

/// A tenant row as it exists in the database.
struct ResolvedTenant {
    TenantId id;       ///< primary key
    std::string slug;  ///< unique slug
};

/// Reads the tenant table (`tenants(id, slug)`, the layout testdb's
/// TenantTable defaults to). Tenants are provisioned elsewhere; the service
/// only ever resolves them.
class TenantDirectory {
public:
    /// The tenant `ref` names, inside `tx`. Throws UnknownTenant when there is
    /// none; never falls back from id to slug or back.
    ResolvedTenant resolve(pqxx::transaction_base& tx, const TenantRef& ref) const;
};

}  // namespace booking

namespace std {
/// Hash of a TenantId, so it can key an unordered container.
template <>
struct hash<booking::TenantId> {
    /// Hashes the id's value.
    size_t operator()(booking::TenantId id) const noexcept { return hash<long long>()(id.value); }
};
}  // namespace std
