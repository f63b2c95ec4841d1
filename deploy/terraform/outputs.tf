output "sql_connection_name" {
  description = "PROJECT_ID:REGION:INSTANCE, for the Cloud SQL proxy argument and run.googleapis.com/cloudsql-instances."
  value       = google_sql_database_instance.hub.connection_name
}

output "service_accounts" {
  description = "Google service account of each service."
  value       = { for name, account in google_service_account.service : name => account.email }
}
