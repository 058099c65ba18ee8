// Systems used by the guide's definitions.
Alias: $UCUM = http://unitsofmeasure.org
Alias: $CPT = http://www.ama-assn.org/go/cpt
Alias: $measure-scoring = http://terminology.hl7.org/CodeSystem/measure-scoring
Alias: $measure-type = http://terminology.hl7.org/CodeSystem/measure-type
Alias: $measure-population = http://terminology.hl7.org/CodeSystem/measure-population
Alias: $resource-types = http://hl7.org/fhir/resource-types
