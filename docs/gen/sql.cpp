// Prints the statements and DDL quoted in docs/*.md, straight from typedao::sql and
// database<...>::schema_sql(). No server needed.
#include "entities.hpp"
#include "report.hpp"

using namespace kong;
using docgen::block;
namespace sql = typedao::sql;

int main() {
  block("ddl.Service", sql::create_table<Service>());
  block("ddl.Route", sql::create_table<Route>());
  block("ddl.Plugin", sql::create_table<Plugin>());
  block("ddl.Certificate", sql::create_table<Certificate>());
  block("ddl.Upstream", sql::create_table<Upstream>());
  block("ddl.Metric", sql::create_table<Metric>());
  block("ddl.Alert", sql::create_table<Alert>());
  block("ddl.Sample", sql::create_table<Sample>());
  block("schema.Plugin.Route.Service", typedao::database<Plugin, Route, Service>::schema_sql());

  block("sql.insert.Service", sql::insert<Service>());
  block("sql.insert.Plugin", sql::insert<Plugin>());
  block("sql.insert.Certificate", sql::insert<Certificate>());
  block("sql.select.Service", sql::select<Service>());
  block("sql.select.Metric", sql::select<Metric>());
  block("sql.select_by.Service.name", sql::select_by<&Service::name>());
  block("sql.update.Service.port.name", sql::update<Service, &Service::port, &Service::name>());
  block("sql.update.Service.name", sql::update<Service, &Service::name>());
  block("sql.update.Certificate.key", sql::update<Certificate, &Certificate::key>());
  block("sql.update.Alert.metric", sql::update<Alert, &Alert::metric>());
  block("sql.update.Metric.value", sql::update<Metric, &Metric::value>());
  block("sql.update_by.Service.name.host", sql::update_by<&Service::name, &Service::host>());
  block("sql.upsert.Service", sql::upsert<Service>());
  block("sql.upsert.Certificate", sql::upsert<Certificate>());
  block("sql.upsert.Metric", sql::upsert<Metric>());
  block("sql.upsert_by.Service.name", sql::upsert_by<&Service::name>());
  block("sql.remove.Service", sql::remove<Service>());
  block("sql.remove.Metric", sql::remove<Metric>());
  block("sql.remove_by.Service.name", sql::remove_by<&Service::name>());

  block("sql.page.Service", sql::page<Service>());
  block("sql.page.Service.after", sql::page_after<Service>());
  block("sql.page.Service.tags_all", sql::page_tags_all<Service>());
  block("sql.page.Metric.after", sql::page_after<Metric>());
  block("sql.page_for.Route.service", sql::page_for<&Route::service>());
  block("sql.page_for.Route.service.after", sql::page_for_after<&Route::service>());
  block("sql.count.Service", sql::count<Service>());
  block("sql.count_for.Route.service", sql::count_for<&Route::service>());
  block("sql.truncate.Service", sql::truncate<Service>());

  block("ddl.Consumer", sql::create_table<Consumer>());
  block("ddl.KeyauthCredential", sql::create_table<KeyauthCredential>());
  block("ddl.Target", sql::create_table<Target>());
  block("sql.insert.KeyauthCredential", sql::insert<KeyauthCredential>());
  block("sql.select.KeyauthCredential", sql::select<KeyauthCredential>());
  // Statements without a typedao::sql:: function: printed from the generators the DAO prepares.
  namespace d = typedao::detail;
  using d::text_v;
  block("sql.select.KeyauthCredential.skip_ttl", text_v<d::select_gen<KeyauthCredential, true>>.view());
  block("sql.update.KeyauthCredential.key", sql::update<KeyauthCredential, &KeyauthCredential::key>());
  block("sql.upsert.KeyauthCredential", sql::upsert<KeyauthCredential>());
  block("sql.remove.KeyauthCredential", sql::remove<KeyauthCredential>());
  block("sql.page.KeyauthCredential", sql::page<KeyauthCredential>());
  block("sql.count.KeyauthCredential", sql::count<KeyauthCredential>());
  block("sql.ttl.KeyauthCredential", sql::ttl<KeyauthCredential>());
  block("sql.purge.KeyauthCredential", sql::purge_expired<KeyauthCredential>());
  block("sql.insert.Target", sql::insert<Target>());
  block("sql.update.Target.target", sql::update<Target, &Target::target>());
  block("sql.update.Target.weight", sql::update<Target, &Target::weight>());
  block("sql.select_by_cache_key.Target", sql::select_by_cache_key<Target>());
  block("sql.remove_cascade.Service",
        text_v<d::cascade_statement<Service, d::pk_cols<Service>, false, DbRegistry>::type>.view());
  block("sql.remove_cascade.Consumer",
        text_v<d::cascade_statement<Consumer, d::pk_cols<Consumer>, false, DbRegistry>::type>.view());
  block("sql.select_by.KeyauthCredential.key", sql::select_by<&KeyauthCredential::key>());
  return 0;
}
