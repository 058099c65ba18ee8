package org.rpmadapter.hapi;

import ca.uhn.fhir.batch2.jobs.config.Batch2JobsConfig;
import ca.uhn.fhir.batch2.jobs.export.BulkDataExportProvider;
import ca.uhn.fhir.batch2.maintenance.JobMaintenanceServiceImpl;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.config.ThreadPoolFactoryConfig;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.batch2.JpaBatch2Config;
import ca.uhn.fhir.jpa.config.HapiJpaConfig;
import ca.uhn.fhir.jpa.config.r4.JpaR4Config;
import ca.uhn.fhir.jpa.config.util.HapiEntityManagerFactoryUtil;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.config.SubscriptionSettings;
import ca.uhn.fhir.jpa.model.dialect.HapiFhirH2Dialect;
import ca.uhn.fhir.jpa.provider.IJpaSystemProvider;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.jpa.subscription.channel.config.SubscriptionChannelConfig;
import ca.uhn.fhir.jpa.subscription.match.config.SubscriptionProcessorConfig;
import ca.uhn.fhir.jpa.subscription.match.deliver.email.IEmailSender;
import ca.uhn.fhir.jpa.subscription.submit.config.SubscriptionSubmitterConfig;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.server.IncomingRequestAddressStrategy;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.provider.ResourceProviderFactory;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import jakarta.persistence.EntityManagerFactory;
import java.util.Properties;
import javax.sql.DataSource;
import org.apache.commons.dbcp2.BasicDataSource;
import org.hl7.fhir.dstu2.model.Subscription;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;
import org.springframework.transaction.annotation.EnableTransactionManagement;

/**
 * Spring configuration of a plain HAPI FHIR JPA server: FHIR R4, in-memory H2,
 * no validation, bulk export on. Only the beans that HAPI's own configuration
 * classes expect the application to supply are defined here.
 */
@Configuration
@EnableTransactionManagement
@Import({
	JpaR4Config.class, // R4 FhirContext, DAOs, resource providers, JpaConfig
	HapiJpaConfig.class, // paging provider, stale-search cleanup, fulltext stub
	JpaBatch2Config.class, // batch2 job persistence (needed by bulk export)
	Batch2JobsConfig.class, // batch2 job definitions, incl. bulk export
	SubscriptionChannelConfig.class, // in-memory message broker that batch2 and subscriptions use
	SubscriptionSubmitterConfig.class, // hands every create/update/delete to subscription matching
	SubscriptionProcessorConfig.class, // matches active Subscriptions in memory and delivers rest-hooks
	ThreadPoolFactoryConfig.class // thread pools for transactions / bundle batches
})
public class HapiServerConfig {

	@Bean
	public DataSource dataSource() {
		BasicDataSource ds = new BasicDataSource();
		ds.setDriverClassName("org.h2.Driver");
		// Private in-memory database: gone when the JVM exits.
		ds.setUrl("jdbc:h2:mem:rpm-hapi;DB_CLOSE_DELAY=-1");
		ds.setUsername("sa");
		ds.setPassword("");
		ds.setMaxTotal(40);
		return ds;
	}

	@Primary
	@Bean
	public LocalContainerEntityManagerFactoryBean entityManagerFactory(
			ConfigurableListableBeanFactory beanFactory,
			DataSource dataSource,
			FhirContext fhirContext,
			JpaStorageSettings storageSettings) {
		LocalContainerEntityManagerFactoryBean emf =
				HapiEntityManagerFactoryUtil.newEntityManagerFactory(beanFactory, fhirContext, storageSettings);
		emf.setPersistenceUnitName("HAPI_PU");
		emf.setDataSource(dataSource);
		Properties p = new Properties();
		p.put("hibernate.dialect", HapiFhirH2Dialect.class.getName());
		p.put("hibernate.hbm2ddl.auto", "update");
		p.put("hibernate.format_sql", "false");
		p.put("hibernate.show_sql", "false");
		p.put("hibernate.jdbc.batch_size", "20");
		p.put("hibernate.cache.use_query_cache", "false");
		p.put("hibernate.cache.use_second_level_cache", "false");
		p.put("hibernate.cache.use_structured_entries", "false");
		p.put("hibernate.cache.use_minimal_puts", "false");
		// No Lucene/Elasticsearch: HAPI falls back to plain SQL search.
		p.put("hibernate.search.enabled", "false");
		emf.setJpaProperties(p);
		return emf;
	}

	@Primary
	@Bean
	public JpaTransactionManager transactionManager(EntityManagerFactory emf) {
		JpaTransactionManager tm = new JpaTransactionManager();
		tm.setEntityManagerFactory(emf);
		return tm;
	}

	@Bean
	public JpaStorageSettings storageSettings() {
		JpaStorageSettings s = new JpaStorageSettings();
		String idStrategy = ServerSettings.clientIdStrategy();
		if ("ANY".equalsIgnoreCase(idStrategy)) {
			// HAPI requires UUID server ids when purely numeric client ids are allowed.
			s.setResourceServerIdStrategy(JpaStorageSettings.IdStrategyEnum.UUID);
			s.setResourceClientIdStrategy(JpaStorageSettings.ClientIdStrategyEnum.ANY);
		} else {
			s.setResourceClientIdStrategy(JpaStorageSettings.ClientIdStrategyEnum.valueOf(idStrategy.toUpperCase()));
		}
		// References to resources that do not exist (yet) are accepted. With
		// placeholders on (the default here), HAPI creates an empty target
		// (e.g. Patient/p-001) so that searches and compartments (patient=...,
		// Group/Patient $export) find the referencing resource; a later PUT of the
		// real target updates the placeholder. Without placeholders such
		// references are stored but never linked, even after the target appears.
		boolean integrity = ServerSettings.enforceReferentialIntegrity();
		s.setEnforceReferentialIntegrityOnWrite(integrity);
		s.setEnforceReferentialIntegrityOnDelete(integrity);
		s.setAutoCreatePlaceholderReferenceTargets(ServerSettings.autoCreatePlaceholders());
		s.setAllowExternalReferences(true);
		s.setAllowMultipleDelete(true);
		s.setExpungeEnabled(true);
		s.setDeleteExpungeEnabled(true);
		s.setReuseCachedSearchResultsForMillis(ServerSettings.reuseCachedSearchResultsMillis());
		s.setFetchSizeDefaultMaximum(ServerSettings.maxPageSize());
		// Bulk export: run jobs on this node, and let small jobs finish without
		// waiting for the once-a-minute batch2 maintenance pass.
		s.setEnableTaskBulkExportJobExecution(true);
		s.setJobFastTrackingEnabled(true);
		return s;
	}

	/**
	 * Batch2 (which runs $export) moves a job from one gated step to the next only
	 * in its maintenance pass, every 60 s by default: a tiny export then takes
	 * 2-3 minutes. A shorter interval makes it take seconds; the pass is cheap on
	 * an in-memory database. Must be set before the job is scheduled, hence a
	 * post-processor (static, so it does not pull this configuration in early).
	 */
	@Bean
	public static BeanPostProcessor batch2MaintenanceInterval() {
		return new BeanPostProcessor() {
			@Override
			public Object postProcessBeforeInitialization(Object bean, String beanName) {
				if (bean instanceof JobMaintenanceServiceImpl maintenance) {
					maintenance.setScheduledJobFrequencyMillis(ServerSettings.batchMaintenanceMillis());
				}
				return bean;
			}
		};
	}

	@Bean
	public PartitionSettings partitionSettings() {
		return new PartitionSettings();
	}

	/**
	 * R4 rest-hook Subscriptions (rpm-adapter's serve --subscribe): on unless
	 * RPM_HAPI_SUBSCRIPTIONS=false. A Subscription PUT with status "requested"
	 * is validated and set "active"; every later write whose resource matches its
	 * criteria (in memory) is delivered asynchronously after the commit. See
	 * README.md for what is sent and how failed deliveries are retried.
	 */
	@Bean
	public SubscriptionSettings subscriptionSettings() {
		SubscriptionSettings s = new SubscriptionSettings();
		if (ServerSettings.subscriptions()) {
			// HAPI keys its channel types on the DSTU2 enum, for every FHIR version.
			s.addSupportedSubscriptionType(Subscription.SubscriptionChannelType.RESTHOOK);
		}
		// Every write is spooled (HFJ_RESOURCE_MODIFIED) and handed to matching
		// by a scheduled pass, every 5 s by HAPI's default: a notification then
		// leaves up to 5 s after the commit. 1 s here keeps the tests' lag short.
		s.setSubscriptionIntervalInMs(ServerSettings.subscriptionIntervalMillis());
		return s;
	}

	/**
	 * The subscription processor wants an e-mail sender for email channels; only
	 * rest-hook is supported here, so one that refuses is enough.
	 */
	@Bean
	public IEmailSender emailSender() {
		return details -> {
			throw new UnsupportedOperationException("email subscriptions are not enabled on this test server");
		};
	}

	@Bean
	public RestfulServer restfulServer(
			IFhirSystemDao<?, ?> systemDao,
			ResourceProviderFactory resourceProviders,
			IJpaSystemProvider systemProvider,
			JpaStorageSettings storageSettings,
			ISearchParamRegistry searchParamRegistry,
			IValidationSupport validationSupport,
			DatabaseBackedPagingProvider pagingProvider,
			BulkDataExportProvider bulkDataExportProvider) {
		RestfulServer server = new RestfulServer(systemDao.getContext());
		server.registerProviders(resourceProviders.createProviders());
		server.registerProvider(systemProvider);
		server.registerProvider(bulkDataExportProvider);

		JpaCapabilityStatementProvider capabilities = new JpaCapabilityStatementProvider(
				server, systemDao, storageSettings, searchParamRegistry, validationSupport);
		capabilities.setImplementationDescription("rpm-adapter test HAPI FHIR R4 server (in-memory H2)");
		server.setServerConformanceProvider(capabilities);

		pagingProvider.setDefaultPageSize(ServerSettings.defaultPageSize());
		pagingProvider.setMaximumPageSize(ServerSettings.maxPageSize());
		server.setPagingProvider(pagingProvider);

		server.setDefaultResponseEncoding(EncodingEnum.JSON);
		server.setServerAddressStrategy(new IncomingRequestAddressStrategy());
		// No RequestValidatingInterceptor / RepositoryValidatingInterceptor: validation is off.
		return server;
	}
}
