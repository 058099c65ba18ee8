package org.rpmadapter.validator;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationOptions;
import ca.uhn.fhir.validation.ValidationResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.UnknownCodeSystemWarningValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Resource;

/**
 * Validates what rpm-adapter writes with HAPI FHIR's FhirInstanceValidator
 * (the HL7 validator), offline: R4 core from hapi-fhir-validation-resources-r4
 * and the resources of the implementation guide (--ig, the JSON SUSHI
 * compiled). Files are *.json (one resource) and *.ndjson (one a line),
 * given one by one or as folders.
 *
 * <p>Files after --valid must have no error; files after --invalid must each
 * have at least one error in every resource (deliberately broken resources:
 * they prove that the check can fail). MeasureReport, ChargeItem and Task,
 * alone or as Bundle entries, are validated against the guide's profiles
 * whether or not their meta.profile names them: the profiles under
 * --canonical BASE when the guide in --ig was served under that base
 * (default http://rpm-adapter.org/fhir).
 *
 * <p>Prints, per file, the errors and warnings grouped by category (the
 * message with its numbers and ids masked), then the totals per category,
 * and exits 1 when a --valid file has an error or an --invalid resource has
 * none.
 */
public final class Validate {
  static final String CANONICAL = "http://rpm-adapter.org/fhir";
  /** The guide's profiles of the written types, under --canonical (default CANONICAL). */
  static Map<String, String> PROFILES = profiles(CANONICAL);

  static Map<String, String> profiles(String canonical) {
    return Map.of(
        "MeasureReport", canonical + "/StructureDefinition/rpm-measurereport",
        "ChargeItem", canonical + "/StructureDefinition/rpm-chargeitem",
        "Task", canonical + "/StructureDefinition/rpm-task");
  }

  private final FhirContext ctx = FhirContext.forR4Cached();
  private final IParser parser = ctx.newJsonParser();
  private final FhirValidator validator;
  /** category (severity + masked message) → count, over every file. */
  private final Map<String, Integer> totals = new TreeMap<>();
  private int failures;
  /** --valid files with errors → their error count. */
  private final Map<String, Integer> errorFiles = new TreeMap<>();
  private final java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(
      Integer.getInteger("rpm.validator.threads", Runtime.getRuntime().availableProcessors()), r -> {
        Thread t = new Thread(r, "validate");
        t.setDaemon(true);
        return t;
      });

  Validate(Path ig) throws IOException {
    PrePopulatedValidationSupport guide = new PrePopulatedValidationSupport(ctx);
    // PrePopulatedValidationSupport keeps only StructureDefinitions, CodeSystems,
    // ValueSets and SearchParameters; the rest (the Measures a MeasureReport
    // names) is fetched by url from here.
    Map<String, IBaseResource> others = new TreeMap<>();
    int n = 0;
    try (Stream<Path> files = Files.list(ig)) {
      for (Path p : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
        IBaseResource r = parser.parseResource(Files.readString(p, StandardCharsets.UTF_8));
        switch (r.fhirType()) {
          case "StructureDefinition", "CodeSystem", "ValueSet", "SearchParameter" -> guide.addResource(r);
          default -> {
            if (r instanceof org.hl7.fhir.r4.model.MetadataResource m && m.hasUrl()) {
              others.put(m.getUrl(), r);
            }
          }
        }
        n++;
      }
    }
    UnknownCodeSystemWarningValidationSupport unknown = new UnknownCodeSystemWarningValidationSupport(ctx);
    // CPT (licensed) and other external systems are not available offline:
    // a code of an unknown system is a warning, never a silent pass.
    unknown.setNonExistentCodeSystemSeverity(IValidationSupport.IssueSeverity.WARNING);
    IValidationSupport otherSupport = new IValidationSupport() {
      @Override
      public FhirContext getFhirContext() {
        return ctx;
      }

      @Override
      @SuppressWarnings("unchecked")
      public <T extends IBaseResource> T fetchResource(Class<T> type, String uri) {
        IBaseResource r = others.get(uri.contains("|") ? uri.substring(0, uri.indexOf('|')) : uri);
        return r != null && (type == null || type.isInstance(r)) ? (T) r : null;
      }

      @Override
      public String getName() {
        return "rpm-adapter guide (other resources)";
      }
    };
    ValidationSupportChain chain = new ValidationSupportChain(
        new DefaultProfileValidationSupport(ctx),
        guide,
        otherSupport,
        new CommonCodeSystemsTerminologyService(ctx),
        new InMemoryTerminologyServerValidationSupport(ctx),
        new SnapshotGeneratingValidationSupport(ctx),
        unknown);
    FhirInstanceValidator module = new FhirInstanceValidator(chain);
    module.setErrorForUnknownProfiles(true);
    validator = ctx.newValidator().registerValidatorModule(module);
    System.out.println("validator: HAPI FHIR " + ca.uhn.fhir.util.VersionUtil.getVersion()
        + " FhirInstanceValidator, R4 core + " + n + " resources of the guide (" + ig + ")");
  }

  public static void main(String[] args) throws IOException {
    Path ig = null;
    List<String[]> work = new ArrayList<>();
    String mode = "--valid";
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--ig" -> ig = Path.of(args[++i]);
        case "--canonical" -> PROFILES = profiles(args[++i]);
        case "--valid", "--invalid" -> mode = args[i];
        default -> work.add(new String[] {mode, args[i]});
      }
    }
    if (ig == null || work.isEmpty()) {
      System.err.println("usage: Validate --ig DIR [--canonical BASE] [--valid] PATH... [--invalid PATH...]");
      System.exit(2);
    }
    Validate v = new Validate(ig);
    for (String[] w : work) {
      Path p = Path.of(w[1]);
      List<Path> files;
      if (Files.isDirectory(p)) {
        try (Stream<Path> s = Files.walk(p)) {
          files = s.filter(f -> f.toString().endsWith(".json") || f.toString().endsWith(".ndjson")).sorted().toList();
        }
      } else {
        files = List.of(p);
      }
      for (Path f : files) {
        v.file(f, w[0].equals("--invalid"));
      }
    }
    System.out.println();
    System.out.println("== totals per category, over the --valid files");
    if (v.totals.isEmpty()) {
      System.out.println("  (no errors or warnings)");
    }
    v.totals.forEach((k, c) -> System.out.printf("  %5d  %s%n", c, k));
    if (!v.errorFiles.isEmpty()) {
      System.out.println();
      System.out.println("== --valid files with errors");
      v.errorFiles.forEach((f, c) -> System.out.printf("  %5d  %s%n", c, f));
    }
    if (v.failures > 0) {
      System.out.println("validate: FAILED (" + v.failures + " files not as expected)");
      System.exit(1);
    }
    System.out.println("validate: ok");
  }

  /** One unit to validate: a resource and where it is, with the profiles to apply. */
  private record Unit(String where, String json, String type) {}

  void file(Path f, boolean expectInvalid) throws IOException {
    List<Unit> units = new ArrayList<>();
    String text = Files.readString(f, StandardCharsets.UTF_8);
    if (f.toString().endsWith(".ndjson")) {
      int line = 0;
      for (String l : text.split("\n")) {
        line++;
        if (!l.isBlank()) {
          units.addAll(expand(f.getFileName() + ":" + line, l));
        }
      }
    } else {
      units.addAll(expand(f.getFileName().toString(), text));
    }
    Map<String, int[]> cats = new TreeMap<>();
    Map<String, String> firstAt = new TreeMap<>();
    int errors = 0, warnings = 0, resourcesWithoutError = 0;
    // FhirValidator is thread-safe: the units of a file are validated in
    // parallel, and reported in their order.
    List<java.util.concurrent.Future<ValidationResult>> results = new ArrayList<>();
    for (Unit u : units) {
      results.add(pool.submit(() -> {
        ValidationOptions opts = new ValidationOptions();
        String prof = PROFILES.get(u.type);
        if (prof != null) {
          opts.addProfile(prof);
        }
        return validator.validateWithResult(u.json, opts);
      }));
    }
    for (int i = 0; i < units.size(); i++) {
      Unit u = units.get(i);
      ValidationResult r;
      try {
        r = results.get(i).get();
      } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
        throw new IOException("validating " + u.where + ": " + e.getCause(), e);
      }
      int unitErrors = 0;
      for (SingleValidationMessage m : r.getMessages()) {
        ResultSeverityEnum s = m.getSeverity();
        if (s == ResultSeverityEnum.INFORMATION) {
          continue;
        }
        boolean err = s == ResultSeverityEnum.ERROR || s == ResultSeverityEnum.FATAL;
        if (err) {
          errors++;
          unitErrors++;
        } else {
          warnings++;
        }
        String cat = (err ? "error   " : "warning ") + u.type + ": " + mask(m.getMessage());
        cats.computeIfAbsent(cat, k -> new int[1])[0]++;
        firstAt.putIfAbsent(cat, u.where + " " + m.getLocationString());
        if (!expectInvalid) {
          totals.merge(cat, 1, Integer::sum);
        }
      }
      if (unitErrors == 0) {
        resourcesWithoutError++;
      }
    }
    boolean ok = expectInvalid ? resourcesWithoutError == 0 && !units.isEmpty() : errors == 0;
    if (!ok) {
      failures++;
    }
    if (!expectInvalid && errors > 0) {
      errorFiles.put(f.toString(), errors);
    }
    System.out.printf("%n%s %s: %d resources, %d errors, %d warnings%s%n", ok ? "ok  " : "FAIL", f, units.size(),
        errors, warnings, expectInvalid ? " (must fail: " + resourcesWithoutError + " without an error)" : "");
    cats.forEach((k, c) -> System.out.printf("    %5d  %s%n           first at %s%n", c[0], k, firstAt.get(k)));
  }

  /** A resource, and for a Bundle each entry's resource on its own too (so entries meet their profiles). */
  private List<Unit> expand(String where, String json) {
    List<Unit> out = new ArrayList<>();
    IBaseResource r;
    try {
      r = parser.parseResource(json);
    } catch (Exception e) {
      out.add(new Unit(where, json, "?"));
      return out;
    }
    out.add(new Unit(where, json, r.fhirType()));
    if (r instanceof Bundle b) {
      int i = 0;
      for (Bundle.BundleEntryComponent e : b.getEntry()) {
        Resource er = e.getResource();
        if (er != null && PROFILES.containsKey(er.fhirType())) {
          out.add(new Unit(where + " entry[" + i + "]", parser.encodeResourceToString(er), er.fhirType()));
        }
        i++;
      }
    }
    return out;
  }

  /** The message with numbers, ids and hashes masked, so like messages group. */
  static String mask(String m) {
    return m.replaceAll("rpm-[a-z]+-[0-9a-f]{8,}", "rpm-ID")
        .replaceAll("\\[[0-9]+\\]", "[N]")
        .replaceAll("\\b[0-9a-f]{16,}\\b", "HASH")
        .replaceAll("(?<![A-Za-z])[0-9]+(?![A-Za-z])", "N");
  }
}
