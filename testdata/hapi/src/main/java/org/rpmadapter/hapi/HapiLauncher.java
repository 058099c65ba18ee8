package org.rpmadapter.hapi;

import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.util.VersionUtil;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;

/**
 * Starts the HAPI FHIR JPA server from {@link HapiServerConfig} in an embedded
 * Jetty bound to {@code rpm.hapi.host}:{@code rpm.hapi.port}, base path /fhir.
 */
public final class HapiLauncher {

	private static final Logger LOG = LoggerFactory.getLogger(HapiLauncher.class);

	private HapiLauncher() {}

	public static void main(String[] args) throws Exception {
		long t0 = System.nanoTime();
		if (args.length > 0) {
			System.setProperty("rpm.hapi.port", args[0]);
		}
		String host = ServerSettings.host();
		int port = ServerSettings.port();

		AnnotationConfigApplicationContext spring = new AnnotationConfigApplicationContext(HapiServerConfig.class);
		RestfulServer fhirServlet = spring.getBean(RestfulServer.class);

		Server jetty = new Server();
		ServerConnector connector = new ServerConnector(jetty);
		connector.setHost(host);
		connector.setPort(port);
		jetty.addConnector(connector);

		ServletContextHandler context = new ServletContextHandler();
		context.setContextPath("/");
		ServletHolder holder = new ServletHolder("fhir", fhirServlet);
		holder.setInitOrder(1);
		context.addServlet(holder, "/fhir/*");
		jetty.setHandler(context);
		jetty.setStopAtShutdown(true);

		Runtime.getRuntime().addShutdownHook(new Thread(spring::close, "spring-shutdown"));
		jetty.start();

		LOG.info(
				"HAPI FHIR {} JPA server (R4, in-memory H2) listening on http://{}:{}/fhir after {} ms",
				VersionUtil.getVersion(),
				host,
				port,
				(System.nanoTime() - t0) / 1_000_000);
		jetty.join();
	}
}
