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
  block("ddl.Upstream", sql::create_table<Upstream>());
  block("ddl.Metric", sql::create_table<Metric>());
  block("ddl.Alert", sql::create_table<Alert>());
  block("schema.Plugin.Route.Service", typedao::database<Plugin, Route, Service>::schema_sql());

  block("sql.insert.Service", sql::insert<Service>());
  block("sql.insert.Certificate", sql::insert<Certificate>());
  block("sql.select.Service", sql::select<Service>());
  block("sql.select.Metric", sql::select<Metric>());
  block("sql.select_by.Service.name", sql::select_by<&Service::name>());
  block("sql.update.Service.port.name", sql::update<Service, &Service::port, &Service::name>());
  block("sql.update.Certificate.key", sql::update<Certificate, &Certificate::key>());
  block("sql.update.Alert.metric", sql::update<Alert, &Alert::metric>());
  block("sql.update_by.Service.name.host", sql::update_by<&Service::name, &Service::host>());
  block("sql.upsert.Service", sql::upsert<Service>());
  block("sql.upsert.Metric", sql::upsert<Metric>());
  block("sql.upsert_by.Service.name", sql::upsert_by<&Service::name>());
  block("sql.remove.Service", sql::remove<Service>());
  block("sql.remove_by.Service.name", sql::remove_by<&Service::name>());

  block("sql.page.Service", sql::page<Service>());
  block("sql.page.Service.after", sql::page_after<Service>());
  block("sql.page_for.Route.service", sql::page_for<&Route::service>());
  block("sql.count.Service", sql::count<Service>());
  block("sql.count_for.Route.service", sql::count_for<&Route::service>());
  block("sql.truncate.Service", sql::truncate<Service>());

  block("sql.insert.KeyauthCredential", sql::insert<KeyauthCredential>());
  block("sql.select.KeyauthCredential", sql::select<KeyauthCredential>());
  // Statements without a typedao::sql:: function: printed from the generators the DAO prepares.
  namespace d = typedao::detail;
  using d::text_v;
  block("sql.select_by_cache_key.Target", sql::select_by_cache_key<Target>());
  block("sql.remove_cascade.Service",
        text_v<d::cascade_statement<Service, d::pk_cols<Service>, false, DbRegistry>::type>.view());
  return 0;
}
