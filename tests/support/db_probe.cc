// DbProbe over Connector/C++ 1.1 (see db_probe.h). Translates sql::SQLException into
// std::runtime_error so a failing query reads as a test error naming the query.
#include "db_probe.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <cppconn/statement.h>
#include <mysql_connection.h>
#include <mysql_driver.h>

#include <stdexcept>

namespace flashsale::itest {

DbProbe::DbProbe(const std::string& socket_path) {
  try {
    sql::ConnectOptionsMap props;
    props["hostName"] = sql::SQLString("unix://" + socket_path);
    props["userName"] = sql::SQLString("flashsale");
    props["password"] = sql::SQLString("flashsale");
    props["schema"] = sql::SQLString("flashsale");
    props["OPT_CONNECT_TIMEOUT"] = 5;
    props["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
    conn_.reset(sql::mysql::get_mysql_driver_instance()->connect(props));
    conn_->setAutoCommit(true);
  } catch (const sql::SQLException& e) {
    throw std::runtime_error("DbProbe: cannot connect to " + socket_path + ": " + e.what());
  }
}

DbProbe::~DbProbe() = default;

std::vector<SqlRow> DbProbe::Query(const std::string& sql_text,
                                   const std::vector<SqlParam>& params) {
  try {
    std::unique_ptr<sql::PreparedStatement> stmt(conn_->prepareStatement(sql_text));
    for (size_t i = 0; i < params.size(); ++i) {
      unsigned idx = static_cast<unsigned>(i + 1);
      if (const auto* n = std::get_if<int64_t>(&params[i])) {
        stmt->setInt64(idx, *n);
      } else {
        stmt->setString(idx, std::get<std::string>(params[i]));
      }
    }
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    unsigned columns = rs->getMetaData()->getColumnCount();
    std::vector<SqlRow> rows;
    while (rs->next()) {
      SqlRow row;
      for (unsigned c = 1; c <= columns; ++c) {
        if (rs->isNull(c)) {
          row.emplace_back(std::nullopt);
        } else {
          row.emplace_back(std::string(rs->getString(c)));
        }
      }
      rows.push_back(std::move(row));
    }
    return rows;
  } catch (const sql::SQLException& e) {
    throw std::runtime_error("DbProbe: " + std::string(e.what()) + " in: " + sql_text);
  }
}

int64_t DbProbe::Int(const std::string& sql_text, const std::vector<SqlParam>& params) {
  std::vector<SqlRow> rows = Query(sql_text, params);
  if (rows.empty() || rows[0].empty() || !rows[0][0].has_value()) return 0;
  return std::stoll(*rows[0][0]);
}

std::string DbProbe::Str(const std::string& sql_text, const std::vector<SqlParam>& params) {
  std::vector<SqlRow> rows = Query(sql_text, params);
  if (rows.empty() || rows[0].empty() || !rows[0][0].has_value()) return "";
  return *rows[0][0];
}

void DbProbe::Exec(const std::string& sql_text) {
  try {
    std::unique_ptr<sql::Statement> stmt(conn_->createStatement());
    stmt->execute(sql_text);
  } catch (const sql::SQLException& e) {
    throw std::runtime_error("DbProbe: " + std::string(e.what()) + " in: " + sql_text);
  }
}

int64_t DbProbe::LastMetricsId() { return Int("SELECT COALESCE(MAX(id), 0) FROM metrics_logs"); }

int64_t DbProbe::CountMetrics(const std::string& type, int64_t after_id) {
  return Int("SELECT COUNT(*) FROM metrics_logs WHERE type = ? AND id > ?", {type, after_id});
}

}  // namespace flashsale::itest
