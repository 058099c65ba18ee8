package org.rpmadapter.hapiclient;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.parser.StrictErrorHandler;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.client.api.IClientInterceptor;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.IHttpRequest;
import ca.uhn.fhir.rest.client.api.IHttpResponse;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import ca.uhn.fhir.rest.gclient.IOperationUntypedWithInput;
import ca.uhn.fhir.rest.server.exceptions.AuthenticationException;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.MethodNotAllowedException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.ChargeItem;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationDefinition;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Task;

/**
 * Drives rpm-adapter's API with HAPI FHIR's generic client as an integration
 * would: pretty printing and JSON encoding on (so every call carries
 * _pretty=true and _format=json), POST and useHttpGet(), typed Bundle returns,
 * error statuses as HAPI's typed exceptions, and HAPI's strict parser
 * (StrictErrorHandler) on every answer. Prints one line per check and exits 1
 * when any fails.
 *
 * <p>Arguments: API base (http://host:port/fhir), write token, read token,
 * patient id, group id (larger than the synchronous limit), month (YYYY-MM).
 */
public final class ClientCheck {
  private final FhirContext ctx;
  private final String base;
  private final String writeToken;
  private final String readToken;
  private final List<String> requests = new ArrayList<>();
  private int ok;
  private int failing;

  private ClientCheck(String base, String writeToken, String readToken) {
    this.base = base;
    this.writeToken = writeToken;
    this.readToken = readToken;
    ctx = FhirContext.forR4();
    ctx.setParserErrorHandler(new StrictErrorHandler());
    // ONCE: the client reads /metadata first, with the strict parser, and
    // checks the FHIR version.
    ctx.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.ONCE);
    ctx.getRestfulClientFactory().setSocketTimeout(120_000);
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 6) {
      System.err.println("usage: ClientCheck BASE WRITE_TOKEN READ_TOKEN PATIENT GROUP MONTH");
      System.exit(2);
    }
    ClientCheck c = new ClientCheck(args[0], args[1], args[2]);
    c.run(args[3], args[4], args[5]);
    System.out.println("hapi-client checks: " + c.ok + " ok, " + c.failing + " failing");
    System.exit(c.failing == 0 ? 0 : 1);
  }

  interface Step {
    void run() throws Exception;
  }

  private void check(String name, Step s) {
    try {
      s.run();
      ok++;
      System.out.println("ok    " + name);
    } catch (Throwable e) {
      failing++;
      System.out.println("FAIL  " + name + ": " + e);
      Throwable cause = e.getCause();
      if (cause != null) {
        System.out.println("      cause: " + cause);
      }
    }
  }

  private static void require(boolean cond, String what) {
    if (!cond) {
      throw new AssertionError(what);
    }
  }

  private static <T extends Throwable> T expect(Class<T> type, Step s) throws Exception {
    try {
      s.run();
    } catch (Throwable e) {
      if (type.isInstance(e)) {
        return type.cast(e);
      }
      throw new AssertionError("expected " + type.getSimpleName() + ", got " + e, e);
    }
    throw new AssertionError("expected " + type.getSimpleName() + ", got an answer");
  }

  /** A client with pretty printing and JSON on, and the token (null: none). */
  private IGenericClient client(String token, EncodingEnum encoding) {
    IGenericClient c = ctx.newRestfulGenericClient(base);
    c.setPrettyPrint(true);
    c.setEncoding(encoding);
    if (token != null) {
      c.registerInterceptor(new BearerTokenAuthInterceptor(token));
    }
    c.registerInterceptor(
        new IClientInterceptor() {
          @Override
          public void interceptRequest(IHttpRequest r) {
            synchronized (requests) {
              requests.add(r.getHttpVerbName() + " " + r.getUri());
            }
          }

          @Override
          public void interceptResponse(IHttpResponse r) {}
        });
    return c;
  }

  private static Parameters month(String month) {
    Parameters p = new Parameters();
    p.addParameter().setName("month").setValue(new StringType(month));
    return p;
  }

  private Bundle patientOp(IGenericClient c, String id, String op, String month, boolean get) {
    IOperationUntypedWithInput<Parameters> call =
        c.operation().onInstance(new IdType("Patient", id)).named(op).withParameters(month(month));
    if (get) {
      call = call.useHttpGet();
    }
    return call.returnResourceType(Bundle.class).execute();
  }

  private static final Pattern RESTFUL =
      Pattern.compile("^(https?://.+/)[A-Z][A-Za-z]+/[A-Za-z0-9\\-.]{1,64}$");

  /** Resolves a reference found in the entry with fullUrl from (R4 bundle.html). */
  private static String resolve(String from, String ref) {
    if (ref.startsWith("urn:") || ref.contains("://")) {
      return ref;
    }
    Matcher m = RESTFUL.matcher(from);
    return m.matches() ? m.group(1) + ref : null;
  }

  /**
   * Every entry has a unique fullUrl, and every ChargeItem.supportingInformation
   * and Task.focus resolves to an entry. Returns the fullUrls in order.
   */
  private static List<String> checkEntries(Bundle b) {
    require(b.getType() == Bundle.BundleType.COLLECTION, "a collection Bundle, got " + b.getType());
    List<String> urls = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (Bundle.BundleEntryComponent e : b.getEntry()) {
      require(e.hasFullUrl(), "an entry without fullUrl: " + e.getResource().fhirType());
      require(seen.add(e.getFullUrl()), "fullUrl twice: " + e.getFullUrl());
      urls.add(e.getFullUrl());
    }
    int resolved = 0;
    for (Bundle.BundleEntryComponent e : b.getEntry()) {
      List<Reference> refs = new ArrayList<>();
      if (e.getResource() instanceof ChargeItem ci) {
        refs.addAll(ci.getSupportingInformation());
      }
      if (e.getResource() instanceof Task t && t.hasFocus()) {
        refs.add(t.getFocus());
      }
      for (Reference r : refs) {
        String target = resolve(e.getFullUrl(), r.getReference());
        require(target != null && seen.contains(target),
            "reference " + r.getReference() + " in " + e.getFullUrl() + " does not resolve inside the Bundle");
        resolved++;
      }
    }
    require(resolved > 0, "no ChargeItem or Task references a MeasureReport: nothing was checked");
    return urls;
  }

  private void run(String patient, String group, String month) throws Exception {
    IGenericClient writer = client(writeToken, EncodingEnum.JSON);
    IGenericClient reader = client(readToken, EncodingEnum.JSON);
    IGenericClient anonymous = client(null, EncodingEnum.JSON);
    String[] canonical = new String[1];

    check("metadata: a CapabilityStatement with rest.security and both operations", () -> {
      CapabilityStatement cs = anonymous.capabilities().ofType(CapabilityStatement.class).execute();
      CapabilityStatement.CapabilityStatementRestComponent rest = cs.getRestFirstRep();
      require(rest.hasSecurity() && rest.getSecurity().hasDescription(), "rest.security");
      Set<String> ops = new HashSet<>();
      for (var r : rest.getResource()) {
        for (var op : r.getOperation()) {
          ops.add(r.getType() + " " + op.getName());
          if (r.getType().equals("Patient") && op.getName().equals("rpm-eligibility")) {
            canonical[0] = op.getDefinition();
          }
        }
      }
      require(ops.contains("Patient rpm-eligibility") && ops.contains("Patient rpm-eligibility-write")
          && ops.contains("Group rpm-eligibility") && ops.contains("Group rpm-eligibility-write"), "operations " + ops);
    });

    check("OperationDefinition?url= finds the CapabilityStatement's definition", () -> {
      Bundle b = anonymous.search().forResource(OperationDefinition.class)
          .where(OperationDefinition.URL.matches().value(canonical[0]))
          .returnBundle(Bundle.class).execute();
      require(b.getType() == Bundle.BundleType.SEARCHSET, "a searchset");
      require(b.getEntry().size() == 1, "one match, got " + b.getEntry().size());
      OperationDefinition od = (OperationDefinition) b.getEntryFirstRep().getResource();
      require(od.getUrl().equals(canonical[0]), "the definition searched for");
      require(!od.getAffectsState(), "$rpm-eligibility is served by GET: affectsState false");
      require(b.getEntryFirstRep().hasFullUrl(), "fullUrl");
    });

    check("read OperationDefinition/Patient-rpm-eligibility-write: affectsState true", () -> {
      OperationDefinition od = anonymous.read().resource(OperationDefinition.class)
          .withId("Patient-rpm-eligibility-write").execute();
      require(od.getAffectsState(), "the write operation changes state");
      require(od.getParameter().stream().anyMatch(p -> p.getName().equals("month") && p.getType().equals("string")),
          "month is declared a string, as sent here");
    });

    List<String> posted = new ArrayList<>();
    check("POST Patient/$rpm-eligibility: a typed Bundle whose entries have fullUrls that references resolve to", () -> {
      Bundle b = patientOp(reader, patient, "$rpm-eligibility", month, false);
      posted.addAll(checkEntries(b));
    });

    check("GET (useHttpGet) Patient/$rpm-eligibility: the same Bundle", () -> {
      Bundle b = patientOp(reader, patient, "$rpm-eligibility", month, true);
      require(checkEntries(b).equals(posted), "the same entries as the POST");
    });

    check("POST Patient/$rpm-eligibility-write with the write token", () -> {
      Bundle b = patientOp(writer, patient, "$rpm-eligibility-write", month, false);
      checkEntries(b);
    });

    check("POST $rpm-eligibility-write with a read token: ForbiddenOperationException (403)", () -> {
      ForbiddenOperationException e = expect(ForbiddenOperationException.class,
          () -> patientOp(reader, patient, "$rpm-eligibility-write", month, false));
      require(e.getOperationOutcome() != null, "the 403 carries an OperationOutcome");
    });

    check("GET $rpm-eligibility-write: MethodNotAllowedException (405)", () -> {
      expect(MethodNotAllowedException.class, () -> patientOp(writer, patient, "$rpm-eligibility-write", month, true));
    });

    check("an unknown patient: ResourceNotFoundException (404)", () -> {
      expect(ResourceNotFoundException.class, () -> patientOp(reader, "no-such-patient", "$rpm-eligibility", month, true));
    });

    check("a bad month: InvalidRequestException (400) with the OperationOutcome", () -> {
      InvalidRequestException e = expect(InvalidRequestException.class,
          () -> patientOp(reader, patient, "$rpm-eligibility", "2026-13", false));
      OperationOutcome oo = (OperationOutcome) e.getOperationOutcome();
      require(oo != null && oo.getIssueFirstRep().hasDiagnostics(), "diagnostics");
    });

    check("no token: AuthenticationException (401)", () -> {
      expect(AuthenticationException.class, () -> patientOp(anonymous, patient, "$rpm-eligibility", month, true));
    });

    check("XML encoding: 406 with an OperationOutcome", () -> {
      IGenericClient xml = client(readToken, EncodingEnum.XML);
      BaseServerResponseException e = expect(BaseServerResponseException.class,
          () -> xml.read().resource(OperationDefinition.class).withId("Patient-rpm-eligibility").execute());
      require(e.getStatusCode() == 406, "406, got " + e.getStatusCode());
    });

    check("a large Group without Prefer: respond-async: UnprocessableEntityException (422)", () -> {
      expect(UnprocessableEntityException.class, () -> reader.operation().onInstance(new IdType("Group", group))
          .named("$rpm-eligibility").withParameters(month(month)).returnResourceType(Bundle.class).execute());
    });

    check("Group/$rpm-eligibility with Prefer: respond-async: the status URL in the 202's body, polled to a Bundle", () -> {
      OperationOutcome accepted = reader.operation().onInstance(new IdType("Group", group))
          .named("$rpm-eligibility").withParameters(month(month))
          .returnResourceType(OperationOutcome.class)
          .withAdditionalHeader("Prefer", "respond-async").execute();
      String status = accepted.getIssue().get(accepted.getIssue().size() - 1).getDiagnostics();
      require(status != null && status.startsWith("http") && status.contains("/fhir/_jobs/"), "status URL, got " + status);
      IParser strict = ctx.newJsonParser();
      HttpClient http = HttpClient.newHttpClient();
      long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
      while (true) {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(status + "?_pretty=true"))
            .header("Authorization", "Bearer " + readToken).header("Accept", "application/fhir+json").GET().build(),
            HttpResponse.BodyHandlers.ofString());
        IBaseResource res = strict.parseResource(r.body());
        if (r.statusCode() == 200) {
          require(res instanceof Bundle, "the result is a Bundle");
          checkEntries((Bundle) res);
          break;
        }
        require(r.statusCode() == 202 && res instanceof OperationOutcome, "202 with an OperationOutcome, got " + r.statusCode());
        require(System.nanoTime() < deadline, "the job did not finish in 3 minutes");
        Thread.sleep(500);
      }
      // And the finished result through the client, typed.
      Bundle b = reader.fetchResourceFromUrl(Bundle.class, status);
      checkEntries(b);
    });

    check("every request the client sent carried _pretty=true and _format", () -> {
      synchronized (requests) {
        require(requests.size() >= 12, "requests: " + requests.size());
        int validation = 0;
        for (String r : requests) {
          require(r.contains("_format="), "_format missing: " + r);
          // The client's own server-validation read of /metadata (ONCE) is
          // the one request without _pretty.
          if (!r.contains("_pretty=true")) {
            require(r.startsWith("GET ") && r.contains("/metadata?") && validation++ == 0, "_pretty missing: " + r);
          }
        }
      }
    });
  }
}
