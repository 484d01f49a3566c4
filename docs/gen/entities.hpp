// The entities the pages in docs/ use. Shared by the programs in this folder, which print the
// SQL, DDL and error messages quoted in the pages (see docs/gen/README.md).
#pragma once

#include <typedao/typedao.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kong {

struct Service {
  typedao::uuid id;                 // primary key; generated on insert when nil
  typedao::timestamp created_at;    // set on insert
  typedao::timestamp updated_at;    // set on insert, update and upsert
  std::optional<std::string> name;  // std::optional => nullable
  std::string protocol = "http";    // default member initialisers are the defaults
  std::string host;
  std::int32_t port = 80;
  std::vector<std::string> tags;  // text[]
};
BOOST_DESCRIBE_STRUCT(Service, (), (id, created_at, updated_at, name, protocol, host, port, tags))
TYPEDAO_ENTITY(Service, "services", typedao::unique(&Service::name))

// on_delete not declared: restrict, as Kong's routes.service.
struct Route {
  typedao::uuid id;
  typedao::timestamp created_at;
  typedao::timestamp updated_at;
  std::optional<std::string> name;
  typedao::foreign<Service> service;  // column service_id -> services(id)
  std::vector<std::string> paths;
  bool strip_path = true;
};
BOOST_DESCRIBE_STRUCT(Route, (), (id, created_at, updated_at, name, service, paths, strip_path))
TYPEDAO_ENTITY(Route, "routes", typedao::unique(&Route::name))

struct Plugin {
  typedao::uuid id;
  typedao::timestamp created_at;
  std::string name;
  typedao::foreign<Service> service;
  bool enabled = true;
};
BOOST_DESCRIBE_STRUCT(Plugin, (), (id, created_at, name, service, enabled))
TYPEDAO_ENTITY(Plugin, "plugins", typedao::on_delete(&Plugin::service, typedao::cascade))

struct Certificate {
  typedao::uuid id;
  std::string cert;
  std::string key;
};
BOOST_DESCRIBE_STRUCT(Certificate, (), (id, cert, key))
TYPEDAO_ENTITY(Certificate, "certificates")

// An optional foreign key: a nullable column, here cleared when the certificate is deleted.
struct Upstream {
  typedao::uuid id;
  std::string name;
  std::optional<typedao::foreign<Certificate>> client_certificate;
};
BOOST_DESCRIBE_STRUCT(Upstream, (), (id, name, client_certificate))
TYPEDAO_ENTITY(Upstream, "upstreams", typedao::unique(&Upstream::name),
               typedao::on_delete(&Upstream::client_certificate, typedao::set_null))

// A composite primary key (Kong's ratelimiting_metrics has one).
struct Metric {
  std::string identifier;
  std::string period;
  typedao::timestamp period_date;
  std::int64_t value = 0;
};
BOOST_DESCRIBE_STRUCT(Metric, (), (identifier, period, period_date, value))
TYPEDAO_ENTITY(Metric, "metrics",
               typedao::primary_key(&Metric::identifier, &Metric::period, &Metric::period_date))

// A foreign key to a composite key: one column per key column of the parent.
struct Alert {
  typedao::uuid id;
  typedao::foreign<Metric> metric;
  std::string message;
};
BOOST_DESCRIBE_STRUCT(Alert, (), (id, metric, message))
TYPEDAO_ENTITY(Alert, "alerts", typedao::on_delete(&Alert::metric, typedao::cascade))

// Every built-in column type.
struct Sample {
  typedao::uuid id;
  bool b;
  std::int16_t i16;
  std::int32_t i32;
  std::int64_t i64;
  float f32;
  double f64;
  std::string text;
  typedao::uuid ref;
  typedao::timestamp at;
  std::vector<std::string> list;
  std::optional<std::int32_t> maybe;
};
BOOST_DESCRIBE_STRUCT(Sample, (), (id, b, i16, i32, i64, f32, f64, text, ref, at, list, maybe))
TYPEDAO_ENTITY(Sample, "samples")

// Kong's consumers: two optional unique members and tags.
struct Consumer {
  typedao::uuid id;
  typedao::timestamp created_at;
  std::optional<std::string> username;
  std::optional<std::string> custom_id;
  std::vector<std::string> tags;
};
BOOST_DESCRIBE_STRUCT(Consumer, (), (id, created_at, username, custom_id, tags))
TYPEDAO_ENTITY(Consumer, "consumers", typedao::unique(&Consumer::username),
               typedao::unique(&Consumer::custom_id))

// Kong's keyauth_credentials: rows that may expire (with_ttl) and a one-member cache key.
struct KeyauthCredential {
  typedao::uuid id;
  typedao::timestamp created_at;
  typedao::foreign<Consumer> consumer;
  std::string key;
  std::vector<std::string> tags;
};
BOOST_DESCRIBE_STRUCT(KeyauthCredential, (), (id, created_at, consumer, key, tags))
TYPEDAO_ENTITY(KeyauthCredential, "keyauth_credentials", typedao::with_ttl,
               typedao::unique(&KeyauthCredential::key),
               typedao::cache_key(&KeyauthCredential::key),
               typedao::on_delete(&KeyauthCredential::consumer, typedao::cascade))

// Kong's targets: a composite cache key, kept in a hidden unique column.
struct Target {
  typedao::uuid id;
  typedao::timestamp created_at;
  typedao::foreign<Upstream> upstream;
  std::string target;
  std::int32_t weight = 100;
};
BOOST_DESCRIBE_STRUCT(Target, (), (id, created_at, upstream, target, weight))
TYPEDAO_ENTITY(Target, "targets", typedao::cache_key(&Target::upstream, &Target::target),
               typedao::on_delete(&Target::upstream, typedao::cascade))

using Db = typedao::database<Service, Route, Plugin, Certificate, Upstream, Metric, Alert, Sample,
                             Consumer, KeyauthCredential, Target>;
// The same list, as the DAOs of Db see it (for printing the statements they prepare).
using DbRegistry = typedao::detail::registry<Service, Route, Plugin, Certificate, Upstream, Metric,
                                             Alert, Sample, Consumer, KeyauthCredential, Target>;

}  // namespace kong
