package org.rpmadapter.hl7check;

import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.model.Group;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.model.Segment;
import ca.uhn.hl7v2.model.Structure;
import ca.uhn.hl7v2.model.Type;
import ca.uhn.hl7v2.model.v251.group.DFT_P03_FINANCIAL;
import ca.uhn.hl7v2.model.v251.message.DFT_P03;
import ca.uhn.hl7v2.model.v251.segment.FT1;
import ca.uhn.hl7v2.model.v251.segment.MSH;
import ca.uhn.hl7v2.model.v251.segment.PID;
import ca.uhn.hl7v2.parser.PipeParser;
import ca.uhn.hl7v2.validation.impl.ValidationContextFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads HL7 v2 the adapter wrote and prints what HAPI read, one tab-separated
 * record per line, for the Go tests to compare with the store's lines:
 *
 *   MSG  control-id  type  version  processing-id  pid3.1  pid3.4  pid3.5  pid5.1  pv1-2  sending-app  receiving-app
 *   FT1  control-id  set-id  ft1-2  ft1-4  ft1-6  ft1-7.1  ft1-7.3  ft1-10  ft1-25.1  ft1-25.3
 *   BATCH  messages  fhs-11  bhs-11  bts-1  fts-1     (for a batch file)
 *
 * Input: a file (argument) or stdin holding either a batch file
 * (FHS/BHS … BTS/FTS) or messages, each starting with MSH; segments end with
 * a carriage return (a newline after it is tolerated). Each message is
 * parsed with HAPI's PipeParser with default validation into the v2.5.1
 * DFT_P03 structure; a message that does not parse, has a segment HAPI's
 * structure does not place (non-standard), lacks a required segment or a
 * field 2.5.1 marks required, or is not DFT^P03 v2.5.1, exits 1 with the
 * reason.
 */
public final class Check {
    public static void main(String[] args) throws Exception {
        byte[] in = args.length > 0 ? Files.readAllBytes(Path.of(args[0])) : readAll(System.in);
        String text = new String(in, StandardCharsets.UTF_8);
        List<String> segs = new ArrayList<>();
        for (String s : text.split("\r\n|\r|\n")) {
            if (!s.isEmpty()) segs.add(s);
        }
        StringBuilder out = new StringBuilder();
        List<String> msg = null;
        List<List<String>> msgs = new ArrayList<>();
        String fhs = null, bhs = null, bts = null, fts = null;
        for (String s : segs) {
            String name = s.length() >= 3 ? s.substring(0, 3) : s;
            switch (name) {
                case "FHS": fhs = s; break;
                case "BHS": bhs = s; break;
                case "BTS": bts = s; msg = null; break;
                case "FTS": fts = s; msg = null; break;
                case "MSH":
                    msg = new ArrayList<>();
                    msgs.add(msg);
                    msg.add(s);
                    break;
                default:
                    if (msg == null) fail("segment " + name + " outside a message");
                    msg.add(s);
            }
        }
        if (fhs != null || bhs != null || bts != null || fts != null) {
            if (fhs == null || bhs == null || bts == null || fts == null) fail("a batch file needs FHS, BHS, BTS and FTS");
            if (!segs.get(0).startsWith("FHS") || !segs.get(1).startsWith("BHS")
                    || !segs.get(segs.size() - 2).startsWith("BTS") || !segs.get(segs.size() - 1).startsWith("FTS")) {
                fail("FHS, BHS must open and BTS, FTS close the file");
            }
            out.append("BATCH\t").append(msgs.size()).append('\t').append(field(fhs, 11)).append('\t')
                    .append(field(bhs, 11)).append('\t').append(field(bts, 1)).append('\t').append(field(fts, 1)).append('\n');
        }
        try (HapiContext ctx = new DefaultHapiContext()) {
            ctx.setValidationContext(ValidationContextFactory.defaultValidation());
            PipeParser parser = ctx.getPipeParser();
            for (List<String> m : msgs) {
                String er7 = String.join("\r", m) + "\r";
                Message parsed;
                try {
                    parsed = parser.parse(er7);
                } catch (HL7Exception e) {
                    fail("HAPI refused a message: " + e.getMessage());
                    return;
                }
                if (!(parsed instanceof DFT_P03)) fail("not a v2.5.1 DFT_P03 but " + parsed.getClass().getName());
                checkStructure(parsed, parsed.getName());
                DFT_P03 dft = (DFT_P03) parsed;
                MSH msh = dft.getMSH();
                String ctl = msh.getMessageControlID().getValue();
                PID pid = dft.getPID();
                out.append("MSG\t").append(ctl).append('\t')
                        .append(msh.getMessageType().getMessageCode().getValue()).append('^')
                        .append(msh.getMessageType().getTriggerEvent().getValue()).append('^')
                        .append(msh.getMessageType().getMessageStructure().getValue()).append('\t')
                        .append(msh.getVersionID().getVersionID().getValue()).append('\t')
                        .append(msh.getProcessingID().getProcessingID().getValue()).append('\t')
                        .append(nz(pid.getPatientIdentifierList(0).getIDNumber().getValue())).append('\t')
                        .append(nz(pid.getPatientIdentifierList(0).getAssigningAuthority().getNamespaceID().getValue())).append('\t')
                        .append(nz(pid.getPatientIdentifierList(0).getIdentifierTypeCode().getValue())).append('\t')
                        .append(nz(pid.getPatientName(0).getFamilyName().getSurname().getValue())).append('\t')
                        .append(nz(dft.getPV1().getPatientClass().getValue())).append('\t')
                        .append(nz(msh.getSendingApplication().getNamespaceID().getValue())).append('\t')
                        .append(nz(msh.getReceivingApplication().getNamespaceID().getValue())).append('\n');
                for (DFT_P03_FINANCIAL fin : dft.getFINANCIALAll()) {
                    FT1 ft1 = fin.getFT1();
                    out.append("FT1\t").append(ctl).append('\t')
                            .append(nz(ft1.getSetIDFT1().getValue())).append('\t')
                            .append(nz(ft1.getTransactionID().getValue())).append('\t')
                            .append(nz(ft1.getTransactionDate().getRangeStartDateTime().getTime().getValue())).append('\t')
                            .append(nz(ft1.getTransactionType().getValue())).append('\t')
                            .append(nz(ft1.getTransactionCode().getIdentifier().getValue())).append('\t')
                            .append(nz(ft1.getTransactionCode().getNameOfCodingSystem().getValue())).append('\t')
                            .append(nz(ft1.getTransactionQuantity().getValue())).append('\t')
                            .append(nz(ft1.getProcedureCode().getIdentifier().getValue())).append('\t')
                            .append(nz(ft1.getProcedureCode().getNameOfCodingSystem().getValue())).append('\n');
                }
            }
        }
        System.out.print(out);
    }

    /** Fails on a non-standard segment, a missing required segment or group, or an empty required field. */
    private static void checkStructure(Group g, String path) throws HL7Exception {
        java.util.Set<String> nonStd = ((ca.uhn.hl7v2.model.AbstractGroup) g).getNonStandardNames();
        if (!nonStd.isEmpty()) {
            fail("segments HAPI's 2.5.1 structure does not place in " + path + ": " + nonStd);
        }
        for (String name : g.getNames()) {
            Structure[] reps = g.getAll(name);
            boolean present = false;
            for (Structure s : reps) present |= !s.isEmpty();
            if (g.isRequired(name) && !present) fail(path + "/" + name + " is required and missing");
            for (Structure s : reps) {
                if (s.isEmpty()) continue;
                if (s instanceof Group) {
                    checkStructure((Group) s, path + "/" + name);
                } else {
                    Segment seg = (Segment) s;
                    for (int i = 1; i <= seg.numFields(); i++) {
                        Type[] f = seg.getField(i);
                        boolean filled = false;
                        for (Type t : f) filled |= !t.isEmpty();
                        if (seg.isRequired(i) && !filled) fail(path + "/" + name + "-" + i + " is required and empty");
                    }
                }
            }
        }
    }

    private static String field(String seg, int n) {
        String[] f = seg.split("\\|", -1);
        // FHS-1 and BHS-1 are the separator itself: their field n is f[n - 1].
        int i = seg.startsWith("FHS") || seg.startsWith("BHS") ? n - 1 : n;
        return i < f.length ? f[i] : "";
    }

    private static String nz(String s) { return s == null ? "" : s; }

    private static void fail(String why) {
        System.err.println("hl7v2check: " + why);
        System.exit(1);
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        in.transferTo(b);
        return b.toByteArray();
    }
}
