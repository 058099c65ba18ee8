package org.rpmadapter.validator;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.MetadataResource;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StructureDefinition;

/**
 * Writes the FHIR package hl7.fhir.r4.core#4.0.1 (one JSON file per resource,
 * package.json and .index.json) from the R4 definitions inside HAPI's
 * hapi-fhir-validation-resources-r4 artifact, so that SUSHI builds offline:
 * the FHIR package registry is not reachable from CI and npm has no version
 * of that package.
 *
 * <pre>java -cp ... org.rpmadapter.validator.BuildR4Core ~/.fhir/packages/hl7.fhir.r4.core#4.0.1</pre>
 */
public final class BuildR4Core {
  private static final String BASE = "org/hl7/fhir/r4/model/";
  private static final String[] BUNDLES = {
    "profile/profiles-types.xml",
    "profile/profiles-resources.xml",
    "profile/profiles-others.xml",
    "extension/extension-definitions.xml",
    "valueset/valuesets.xml",
    "valueset/v3-codesystems.xml",
    "valueset/v2-tables.xml",
    "sp/search-parameters.json",
  };

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: BuildR4Core PACKAGE-FOLDER (e.g. ~/.fhir/packages/hl7.fhir.r4.core#4.0.1)");
      System.exit(2);
    }
    Path dir = Path.of(args[0], "package");
    Files.createDirectories(dir);
    FhirContext ctx = FhirContext.forR4Cached();
    IParser json = ctx.newJsonParser();
    Map<String, Resource> byFile = new LinkedHashMap<>();
    for (String name : BUNDLES) {
      try (InputStream in = BuildR4Core.class.getClassLoader().getResourceAsStream(BASE + name)) {
        if (in == null) {
          throw new IOException(BASE + name + " is not on the class path");
        }
        IParser p = name.endsWith(".json") ? ctx.newJsonParser() : ctx.newXmlParser();
        Bundle b = p.parseResource(Bundle.class, new InputStreamReader(in, StandardCharsets.UTF_8));
        for (Bundle.BundleEntryComponent e : b.getEntry()) {
          Resource r = e.getResource();
          if (r == null || !r.hasIdElement()) {
            continue;
          }
          String id = r.getIdElement().getIdPart();
          // The first definition wins (profiles before the value-set bundles,
          // which repeat some code systems).
          byFile.putIfAbsent(r.fhirType() + "-" + id + ".json", r);
        }
      }
    }
    List<String> index = new ArrayList<>();
    for (Map.Entry<String, Resource> e : byFile.entrySet()) {
      Resource r = e.getValue();
      Files.writeString(dir.resolve(e.getKey()), json.encodeResourceToString(r), StandardCharsets.UTF_8);
      StringBuilder s = new StringBuilder("{\"filename\":").append(q(e.getKey()))
          .append(",\"resourceType\":").append(q(r.fhirType()))
          .append(",\"id\":").append(q(r.getIdElement().getIdPart()));
      if (r instanceof MetadataResource m) {
        if (m.hasUrl()) s.append(",\"url\":").append(q(m.getUrl()));
        if (m.hasVersion()) s.append(",\"version\":").append(q(m.getVersion()));
      }
      if (r instanceof StructureDefinition sd) {
        s.append(",\"kind\":").append(q(sd.getKind().toCode()));
        s.append(",\"type\":").append(q(sd.getType()));
        if (sd.hasDerivation()) s.append(",\"derivation\":").append(q(sd.getDerivation().toCode()));
      }
      index.add(s.append('}').toString());
    }
    Files.writeString(dir.resolve(".index.json"),
        "{\"index-version\":1,\"files\":[\n" + String.join(",\n", index) + "\n]}\n", StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("package.json"), """
        {
          "name": "hl7.fhir.r4.core",
          "version": "4.0.1",
          "tools-version": 3,
          "type": "Core",
          "date": "20191030123500",
          "license": "CC0-1.0",
          "canonical": "http://hl7.org/fhir",
          "url": "http://hl7.org/fhir/R4",
          "title": "FHIR Core package",
          "description": "FHIR R4 core definitions, written from HAPI FHIR's hapi-fhir-validation-resources-r4 by rpm-adapter's testdata/validator (BuildR4Core).",
          "fhirVersions": ["4.0.1"],
          "dependencies": {},
          "author": "HL7 Inc",
          "jurisdiction": "http://unstats.un.org/unsd/methods/m49/m49.htm#001",
          "directories": {"lib": "package", "example": "example"}
        }
        """, StandardCharsets.UTF_8);
    System.out.println("BuildR4Core: " + byFile.size() + " resources written to " + dir);
  }

  private static String q(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\');
      b.append(c);
    }
    return b.append('"').toString();
  }

  private BuildR4Core() {}
}
