/**
 * Jest setup: n8n's logger (read from N8N_LOG_LEVEL when n8n-core first loads) stays silent, so
 * that node errors the tests provoke on purpose do not fill the test output. Run with
 * `N8N_LOG_LEVEL=debug npm test` to see them.
 */
process.env.N8N_LOG_LEVEL ??= 'silent';
