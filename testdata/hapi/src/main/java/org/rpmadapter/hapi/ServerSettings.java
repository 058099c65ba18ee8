package org.rpmadapter.hapi;

/**
 * Launcher settings, read from system properties (-Drpm.hapi.X=...) with
 * environment-variable fallbacks (RPM_HAPI_X). Everything has a default that
 * suits rpm-adapter's integration tests.
 */
final class ServerSettings {

	private ServerSettings() {}

	static String get(String name, String def) {
		String v = System.getProperty("rpm.hapi." + name);
		if (v == null || v.isBlank()) {
			v = System.getenv("RPM_HAPI_" + name.toUpperCase().replace('.', '_'));
		}
		return (v == null || v.isBlank()) ? def : v.trim();
	}

	static int getInt(String name, int def) {
		return Integer.parseInt(get(name, Integer.toString(def)));
	}

	static boolean getBool(String name, boolean def) {
		return Boolean.parseBoolean(get(name, Boolean.toString(def)));
	}

	/** Address to bind; loopback only by default. */
	static String host() {
		return get("host", "127.0.0.1");
	}

	static int port() {
		return getInt("port", 8090);
	}

	static int defaultPageSize() {
		return getInt("default_page_size", 20);
	}

	static int maxPageSize() {
		return getInt("max_page_size", 500);
	}

	/** ALPHANUMERIC (HAPI's default: client ids need a letter) or ANY. */
	static String clientIdStrategy() {
		return get("client_id_strategy", "ALPHANUMERIC");
	}

	/** HAPI's default is 60000 ms; 0 disables the search cache. */
	static long reuseCachedSearchResultsMillis() {
		return Long.parseLong(get("reuse_cached_search_results_millis", "60000"));
	}

	/** Batch2 maintenance pass interval; HAPI's default is 60000 ms. */
	static long batchMaintenanceMillis() {
		return Long.parseLong(get("batch_maintenance_millis", "2000"));
	}

	static boolean enforceReferentialIntegrity() {
		return getBool("enforce_referential_integrity", false);
	}

	static boolean autoCreatePlaceholders() {
		return getBool("auto_create_placeholders", true);
	}

	/** R4 rest-hook Subscriptions; HAPI supports no channel type by default. */
	static boolean subscriptions() {
		return getBool("subscriptions", true);
	}

	/** Pass that hands spooled writes to subscription matching; HAPI's default is 5000 ms. */
	static long subscriptionIntervalMillis() {
		return Long.parseLong(get("subscription_interval_millis", "1000"));
	}
}
