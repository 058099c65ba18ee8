package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// The SQL an analyst would write over the export for the same numbers,
// following the rule book as far as plain SQL does:
//
//   - days (R-DAY-1..5): an Observation counts when its status is final,
//     amended or corrected, it references a Device or carries the PHD
//     category, it has a value (valueQuantity, or a component with one), and
//     meta.security is not HTEST; an id with any entered-in-error copy does
//     not count; a re-sent id counts once, on its earliest date. Its local
//     date is effectiveDateTime in the Patient's zone (R-DAY-4: the HL7
//     timezone extension on the Patient, else on its home address, else on
//     its first address; a date without a time is used as is), and only
//     dates up to the run date count. Periods (R-PER-2) are the 30-day periods anchored at the latest
//     period.start of an active or finished RPM EpisodeOfCare on or before
//     the run date, and the ones compared are those ending in the month.
//   - minutes (R-TIME-1..5): completed Communications not tagged with
//     another program of the product's program CodeSystem; the duration is
//     the communication-duration extension (UCUM s or min), else the
//     referenced Encounter's length (s, min or h), else its period; the
//     start is the Encounter's period.start, else sent. Intervals are
//     clipped to the local month, overlaps merged (gaps and islands), and
//     the seconds floored to minutes.
//
// What it does not do, and the generator never writes: effectiveInstant and
// effectivePeriod, value[x] other than valueQuantity, contained or logical
// device references, a first timezone extension that is invalid while a
// later one is valid (the SQL drops the patient), Encounters about another patient, duplicate Patient resources, and the
// input checks (malformed dates, references that are not literal) for which
// the adapter reports issues. The periods are the ones ending in the month;
// no codes, conflicts or write-back are computed.

// sqlParams fill the query.
type sqlParams struct {
	dir         string
	month       time.Time // first day
	asOf        time.Time // run date
	programSys  string
	durationExt string
}

const daysSQL = `
WITH pat AS (
  SELECT id AS patient,
         coalesce(list_filter(extension, e -> e.url = '{tzExt}')[1].valueCode,
                  CASE WHEN len(list_filter(address, a -> a.use = 'home')) > 0
                       THEN list_filter(list_filter(address, a -> a.use = 'home')[1].extension, e -> e.url = '{tzExt}')[1].valueCode
                       ELSE list_filter(address[1].extension, e -> e.url = '{tzExt}')[1].valueCode END) AS tz
  FROM read_ndjson({files:Patient}, columns = {id: 'VARCHAR', extension: 'STRUCT(url VARCHAR, valueCode VARCHAR)[]',
       address: 'STRUCT(use VARCHAR, extension STRUCT(url VARCHAR, valueCode VARCHAR)[])[]'})
),
zoned AS (
  SELECT patient, tz FROM pat WHERE tz IN (SELECT name FROM pg_timezone_names())
),
episode AS (
  SELECT substr(patient.reference, 9) AS patient, status, period.start AS start,
         list_contains(flatten(list_transform(type, t -> list_transform(t.coding, c -> c.system || '|' || c.code))),
                       '{programSys}|rpm') AS rpm
  FROM read_ndjson({files:EpisodeOfCare}, columns = {patient: 'STRUCT(reference VARCHAR)', status: 'VARCHAR',
       type: 'STRUCT(coding STRUCT(system VARCHAR, code VARCHAR)[])[]', period: 'STRUCT(start VARCHAR)'})
),
anchor AS (
  SELECT patient, max(d) AS anchor FROM (
    SELECT e.patient, CASE WHEN length(e.start) = 10 THEN CAST(e.start AS DATE)
                           ELSE CAST(timezone(z.tz, CAST(e.start AS TIMESTAMPTZ)) AS DATE) END AS d
    FROM episode e JOIN zoned z USING (patient)
    WHERE e.rpm AND e.status IN ('active', 'finished') AND e.start IS NOT NULL)
  WHERE d <= DATE '{asOf}'
  GROUP BY patient
),
obs AS (
  SELECT id, status, substr(subject.reference, 9) AS patient, effectiveDateTime AS eff,
         (device.reference IS NOT NULL
          OR list_contains(flatten(list_transform(category, c -> list_transform(c.coding, x -> x.system || '|' || x.code))),
                           'http://hl7.org/fhir/uv/phd/CodeSystem/PhdObservationCategories|phd-observation')) AS from_device,
         (valueQuantity.value IS NOT NULL
          OR len(list_filter(component, c -> c.valueQuantity.value IS NOT NULL)) > 0) AS has_value,
         coalesce(list_contains(list_transform(meta.security, s -> s.system || '|' || s.code),
                                'http://terminology.hl7.org/CodeSystem/v3-ActReason|HTEST'), false) AS test
  FROM read_ndjson({files:Observation}, columns = {id: 'VARCHAR', status: 'VARCHAR',
       subject: 'STRUCT(reference VARCHAR)', effectiveDateTime: 'VARCHAR', device: 'STRUCT(reference VARCHAR)',
       category: 'STRUCT(coding STRUCT(system VARCHAR, code VARCHAR)[])[]', valueQuantity: 'STRUCT(value DOUBLE)',
       component: 'STRUCT(valueQuantity STRUCT(value DOUBLE))[]',
       meta: 'STRUCT(security STRUCT(system VARCHAR, code VARCHAR)[])'})
),
withdrawn AS (
  SELECT DISTINCT id FROM obs WHERE status = 'entered-in-error'
),
reading AS (
  SELECT o.patient, o.id,
         CASE WHEN length(o.eff) = 10 THEN CAST(o.eff AS DATE)
              ELSE CAST(timezone(z.tz, CAST(o.eff AS TIMESTAMPTZ)) AS DATE) END AS d
  FROM obs o JOIN zoned z USING (patient)
  WHERE o.status IN ('final', 'amended', 'corrected') AND o.from_device AND o.has_value AND NOT o.test
    AND o.eff IS NOT NULL AND o.id NOT IN (SELECT id FROM withdrawn)
),
day AS (
  SELECT patient, id, min(d) AS d FROM reading WHERE d <= DATE '{asOf}' GROUP BY patient, id
),
period AS (
  SELECT patient, anchor + CAST(30 * k AS INTEGER) AS ps, anchor + CAST(30 * k + 29 AS INTEGER) AS pe
  FROM (SELECT patient, anchor,
               unnest(range(greatest(0, CAST(floor((DATE '{monthStart}' - anchor) / 30.0) AS BIGINT)),
                            CAST(floor((DATE '{monthEnd}' - anchor - 29) / 30.0) AS BIGINT) + 1)) AS k
        FROM anchor)
)
SELECT p.patient, CAST(p.ps AS VARCHAR), count(DISTINCT d.d)
FROM period p LEFT JOIN day d ON d.patient = p.patient AND d.d BETWEEN p.ps AND p.pe
GROUP BY p.patient, p.ps
`

const minutesSQL = `
WITH pat AS (
  SELECT id AS patient,
         coalesce(list_filter(extension, e -> e.url = '{tzExt}')[1].valueCode,
                  CASE WHEN len(list_filter(address, a -> a.use = 'home')) > 0
                       THEN list_filter(list_filter(address, a -> a.use = 'home')[1].extension, e -> e.url = '{tzExt}')[1].valueCode
                       ELSE list_filter(address[1].extension, e -> e.url = '{tzExt}')[1].valueCode END) AS tz
  FROM read_ndjson({files:Patient}, columns = {id: 'VARCHAR', extension: 'STRUCT(url VARCHAR, valueCode VARCHAR)[]',
       address: 'STRUCT(use VARCHAR, extension STRUCT(url VARCHAR, valueCode VARCHAR)[])[]'})
),
zoned AS (
  SELECT patient, tz,
         epoch_us(timezone(tz, TIMESTAMP '{monthStart} 00:00:00')) AS lo,
         epoch_us(timezone(tz, TIMESTAMP '{nextMonth} 00:00:00')) AS hi
  FROM pat WHERE tz IN (SELECT name FROM pg_timezone_names())
),
comm AS (
  SELECT id, status, substr(subject.reference, 9) AS patient, substr(encounter.reference, 11) AS enc,
         CASE WHEN length(sent) > 10 THEN epoch_us(CAST(sent AS TIMESTAMPTZ)) END AS sent_us,
         list_filter(extension, e -> e.url = '{durationExt}')[1].valueDuration AS dur,
         len(list_filter(flatten(list_transform(category, c -> c.coding)),
                         x -> x.system = '{programSys}' AND x.code <> 'rpm')) = 0 AS rpm
  FROM read_ndjson({files:Communication}, columns = {id: 'VARCHAR', status: 'VARCHAR',
       subject: 'STRUCT(reference VARCHAR)', encounter: 'STRUCT(reference VARCHAR)', sent: 'VARCHAR',
       extension: 'STRUCT(url VARCHAR, valueDuration STRUCT(value DOUBLE, system VARCHAR, code VARCHAR))[]',
       category: 'STRUCT(coding STRUCT(system VARCHAR, code VARCHAR)[])[]'})
),
enc AS (
  SELECT id, status,
         CASE WHEN length(period.start) > 10 THEN epoch_us(CAST(period.start AS TIMESTAMPTZ)) END AS s_us,
         CASE WHEN length(period."end") > 10 THEN epoch_us(CAST(period."end" AS TIMESTAMPTZ)) END AS e_us,
         length AS len
  FROM read_ndjson({files:Encounter}, columns = {id: 'VARCHAR', status: 'VARCHAR',
       period: 'STRUCT(start VARCHAR, "end" VARCHAR)', length: 'STRUCT(value DOUBLE, system VARCHAR, code VARCHAR)'})
  WHERE status NOT IN ('cancelled', 'entered-in-error')
),
act AS (
  SELECT c.patient, z.tz, z.lo, z.hi,
         CASE WHEN e.s_us IS NOT NULL THEN e.s_us ELSE c.sent_us END AS s,
         greatest(0, coalesce(
           CASE WHEN c.dur.system = 'http://unitsofmeasure.org' THEN
             CAST(round(c.dur.value * CASE c.dur.code WHEN 's' THEN 1e6 WHEN 'min' THEN 60e6 END) AS BIGINT) END,
           CASE WHEN e.len.system = 'http://unitsofmeasure.org' THEN
             CAST(round(e.len.value * CASE e.len.code WHEN 's' THEN 1e6 WHEN 'min' THEN 60e6 WHEN 'h' THEN 3600e6 END) AS BIGINT) END,
           e.e_us - e.s_us,
           0)) AS dur_us
  FROM comm c JOIN zoned z USING (patient) LEFT JOIN enc e ON e.id = c.enc
  WHERE c.status = 'completed' AND c.rpm
),
clipped AS (
  SELECT patient, greatest(s, lo) AS s, least(s + dur_us, hi) AS e
  FROM act
  WHERE s IS NOT NULL AND CAST(timezone(tz, make_timestamptz(s)) AS DATE) <= DATE '{asOf}'
    AND least(s + dur_us, hi) > greatest(s, lo)
),
marked AS (
  SELECT *, CASE WHEN s <= max(e) OVER (PARTITION BY patient ORDER BY s, e
                                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                 THEN 0 ELSE 1 END AS starts
  FROM clipped
),
island AS (
  SELECT patient, min(s) AS s, max(e) AS e FROM (
    SELECT *, sum(starts) OVER (PARTITION BY patient ORDER BY s, e ROWS UNBOUNDED PRECEDING) AS g FROM marked)
  GROUP BY patient, g
)
SELECT z.patient, '{monthStart}', CAST(coalesce(sum(i.e - i.s), 0) // 60000000 AS BIGINT)
FROM zoned z LEFT JOIN island i USING (patient)
GROUP BY z.patient
`

// render fills a query; file lists are globs of the type's files.
func (p sqlParams) render(q string) string {
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	files := func(typ string) string { return quote(filepath.Join(p.dir, typ+"*.ndjson")) }
	next := p.month.AddDate(0, 1, 0)
	r := strings.NewReplacer(
		"{files:Patient}", files("Patient"),
		"{files:EpisodeOfCare}", files("EpisodeOfCare"),
		"{files:Observation}", files("Observation"),
		"{files:Communication}", files("Communication"),
		"{files:Encounter}", files("Encounter"),
		"{monthStart}", p.month.Format(time.DateOnly),
		"{monthEnd}", next.AddDate(0, 0, -1).Format(time.DateOnly),
		"{nextMonth}", next.Format(time.DateOnly),
		"{asOf}", p.asOf.Format(time.DateOnly),
		"{tzExt}", "http://hl7.org/fhir/StructureDefinition/timezone",
		"{programSys}", strings.ReplaceAll(p.programSys, "'", "''"),
		"{durationExt}", strings.ReplaceAll(p.durationExt, "'", "''"),
	)
	out := r.Replace(q)
	if strings.Contains(out, "{") && strings.Contains(out, "{files:") {
		panic(fmt.Sprintf("unfilled placeholder in %s", out))
	}
	return out
}
