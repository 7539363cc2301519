//! KL's FFB code system (Fælles Faglige Begreber, `urn:oid:1.2.208.176.2.22`), loaded from the shipped FHIR
//! CodeSystem file rather than typed by hand.
//!
//! The file is embedded at compile time (no I/O at run time) and parsed once. Only the branches the case document
//! uses are indexed: services (ydelser) and goal types (måltyper), plus function and support-need levels for later.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

const CODE_SYSTEM_JSON: &str = include_str!("../../data/ffb-codesystem.json");

/// The FHIR system URL of the FFB codes, for exchange with the municipality's case system.
pub const SYSTEM: &str = "urn:oid:1.2.208.176.2.22";

// Display names of the branch roots in the code system. Codes are UUIDs; the branches are found by their
// display name because that is what KL documents.
const SERVICES_ROOT: &str = "Ydelse";
const GOAL_TYPES_ROOT: &str = "Måltype";
const FUNCTION_LEVELS_ROOT: &str = "Funktionsevneniveau";
const SUPPORT_NEED_ROOT: &str = "Støttebehovsniveau";

#[derive(Deserialize)]
struct Concept {
    code: String,
    display: String,
    #[serde(default)]
    concept: Vec<Concept>,
}

#[derive(Deserialize)]
struct CodeSystem {
    version: String,
    concept: Vec<Concept>,
}

/// The indexed FFB code branches: code → display name (Danish).
#[derive(Debug)]
pub struct Ffb {
    pub version: String,
    pub services: BTreeMap<String, String>,
    pub goal_types: BTreeMap<String, String>,
    pub function_levels: BTreeMap<String, String>,
    pub support_need_levels: BTreeMap<String, String>,
}

impl Ffb {
    /// The shipped code system, parsed on first use.
    pub fn get() -> &'static Ffb {
        static FFB: OnceLock<Ffb> = OnceLock::new();
        FFB.get_or_init(|| {
            let system: CodeSystem = serde_json::from_str(CODE_SYSTEM_JSON)
                .expect("the embedded FFB code system is valid JSON (checked by a unit test)");
            Ffb::index(system)
        })
    }

    fn index(system: CodeSystem) -> Ffb {
        Ffb {
            version: system.version,
            services: descendants_of(&system.concept, SERVICES_ROOT),
            goal_types: descendants_of(&system.concept, GOAL_TYPES_ROOT),
            function_levels: descendants_of(&system.concept, FUNCTION_LEVELS_ROOT),
            support_need_levels: descendants_of(&system.concept, SUPPORT_NEED_ROOT),
        }
    }

    /// The code of a goal type by its Danish display name, e.g. "Udvikle funktionsevne".
    pub fn goal_type_code(&self, display: &str) -> Option<&str> {
        code_by_display(&self.goal_types, display)
    }

    /// The code of a service by its Danish display name, e.g. "Socialpædagogisk støtte".
    pub fn service_code(&self, display: &str) -> Option<&str> {
        code_by_display(&self.services, display)
    }
}

fn code_by_display<'a>(codes: &'a BTreeMap<String, String>, display: &str) -> Option<&'a str> {
    codes
        .iter()
        .find(|(_, name)| name.as_str() == display)
        .map(|(code, _)| code.as_str())
}

/// Every concept below the first concept named `root`, at any depth.
fn descendants_of(concepts: &[Concept], root: &str) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    if let Some(branch) = find_concept(concepts, root) {
        collect(&branch.concept, &mut found);
    }
    found
}

fn find_concept<'a>(concepts: &'a [Concept], display: &str) -> Option<&'a Concept> {
    concepts.iter().find_map(|c| {
        if c.display == display {
            Some(c)
        } else {
            find_concept(&c.concept, display)
        }
    })
}

fn collect(concepts: &[Concept], into: &mut BTreeMap<String, String>) {
    for c in concepts {
        into.insert(c.code.clone(), c.display.clone());
        collect(&c.concept, into);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_the_services_and_goal_types_of_the_shipped_code_system() {
        let ffb = Ffb::get();
        assert_eq!(ffb.version, "20240530");
        assert!(ffb.service_code("Socialpædagogisk støtte").is_some());
        assert!(
            ffb.service_code("Individuel tidsbegrænset socialpædagogisk hjælp og støtte")
                .is_some()
        );
        assert_eq!(ffb.goal_types.len(), 3);
        assert!(ffb.goal_type_code("Udvikle funktionsevne").is_some());
        assert_eq!(ffb.function_levels.len(), 6);
        assert_eq!(ffb.support_need_levels.len(), 6);
    }
}
