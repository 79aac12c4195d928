//! Basiq's answers the browser needs, read from the objects its own `JSON.parse` made
//! ([`JsonObject`]) instead of serde_json's parser and the serde derives: a job and an
//! institution. Each reader accepts what the type's serde derive accepts, except that a struct
//! given as a JSON array (serde's positional form, which Basiq never sends) is refused, and an
//! opaque field kept as a `serde_json::Value` (`links`, `features`, `colors`) is accepted
//! whatever it holds but not kept (`None`).

use crate::basiq::{
    AverageDurations, Institution, InstitutionStats, Job, JobLinks, JobStep, Logo, LogoLinks,
    MfaChallenge, ResourceRef, StepFailure, StepLink, StepResult, StepStatus,
};
use crate::fields::{Field, JsonObject, each};

/// An optional struct field: absent or null is `None`, an object is read with `read`.
fn optional_object<O: JsonObject, T>(
    o: &O,
    key: &str,
    read: impl FnOnce(&O) -> Option<T>,
) -> Option<Option<T>> {
    match o.object(key) {
        Field::Is(inner) => read(&inner).map(Some),
        Field::Absent | Field::Null => Some(None),
        Field::Wrong => None,
    }
}

impl Job {
    /// A job from its object as the browser parsed it; `None` where the serde derive would
    /// refuse it (see the module's note on arrays and opaque fields).
    pub fn from_object<O: JsonObject>(o: &O) -> Option<Self> {
        Some(Self {
            kind: o.string("type").required()?,
            id: o.string("id").required()?,
            created: o.string("created").optional()?,
            updated: o.string("updated").optional()?,
            steps: match o.objects("steps") {
                Field::Is(steps) => each(&steps, JobStep::from_object)?,
                Field::Absent => Vec::new(),
                Field::Null | Field::Wrong => return None,
            },
            institution: optional_object(o, "institution", ResourceRef::from_object)?,
            links: optional_object(o, "links", |l| {
                Some(JobLinks {
                    self_: l.string("self").optional()?,
                    source: l.string("source").optional()?,
                })
            })?,
        })
    }
}

impl ResourceRef {
    /// A reference from its object as the browser parsed it (`links` is not kept).
    pub fn from_object(o: &impl JsonObject) -> Option<Self> {
        Some(Self {
            kind: o.string("type").required()?,
            id: o.string("id").required()?,
            links: None,
        })
    }
}

impl JobStep {
    /// A step from its object as the browser parsed it.
    pub fn from_object<O: JsonObject>(o: &O) -> Option<Self> {
        Some(Self {
            title: o.string("title").required()?,
            status: StepStatus::parse(&o.string("status").required()?),
            result: match (o.object("result"), o.objects("result")) {
                (Field::Is(one), _) => Some(StepResult::from_object(&one)?),
                (_, Field::Is(many)) => Some(StepResult::Many(each(&many, |r| {
                    StepResult::from_object(r)
                })?)),
                (Field::Absent | Field::Null, _) => None,
                _ => return None,
            },
        })
    }
}

impl StepStatus {
    /// A step's status string (one this version does not know is [`StepStatus::Unknown`]).
    pub fn parse(status: &str) -> Self {
        match status {
            "pending" => Self::Pending,
            "in-progress" => Self::InProgress,
            "success" => Self::Success,
            "failed" => Self::Failed,
            "skipped" => Self::Skipped,
            _ => Self::Unknown,
        }
    }
}

impl StepResult {
    /// A step's result object: the first of an MFA challenge, a link and a failure it is.
    pub fn from_object(o: &impl JsonObject) -> Option<Self> {
        MfaChallenge::from_object(o)
            .map(Self::Mfa)
            .or_else(|| StepLink::from_object(o).map(Self::Link))
            .or_else(|| StepFailure::from_object(o).map(Self::Failure))
    }
}

impl MfaChallenge {
    /// A challenge from its object as the browser parsed it (`links` is not kept).
    pub fn from_object(o: &impl JsonObject) -> Option<Self> {
        Some(Self {
            kind: o.string("type").required()?,
            method: o.string("method").required()?,
            description: o.string("description").optional()?,
            input: o.strings("input").required()?,
            expiry_ms: o.whole("expiryMs").optional()?,
            links: None,
        })
    }
}

impl StepLink {
    /// A link from its object as the browser parsed it.
    pub fn from_object(o: &impl JsonObject) -> Option<Self> {
        Some(Self {
            kind: o.string("type").required()?,
            url: o.string("url").required()?,
        })
    }
}

impl StepFailure {
    /// A failure from its object as the browser parsed it (`details` is read as `detail`;
    /// both at once are refused, as serde refuses a duplicate field).
    pub fn from_object(o: &impl JsonObject) -> Option<Self> {
        let detail = match (o.string("detail"), o.string("details")) {
            (one, Field::Absent) | (Field::Absent, one) => one.optional()?,
            _ => return None,
        };
        Some(Self {
            code: o.string("code").required()?,
            title: o.string("title").optional()?,
            detail,
        })
    }
}

impl Institution {
    /// An institution from its object as the browser parsed it; `None` where the serde derive
    /// would refuse it (see the module's note on arrays and opaque fields).
    pub fn from_object<O: JsonObject>(o: &O) -> Option<Self> {
        Some(Self {
            kind: o.string("type").required()?,
            id: o.string("id").required()?,
            name: o.string("name").required()?,
            short_name: o.string("shortName").required()?,
            institution_type: o.string("institutionType").required()?,
            country: o.string("country").required()?,
            service_name: o.string("serviceName").optional()?,
            service_type: o.string("serviceType").required()?,
            tier: o.string("tier").required()?,
            authorization: o.string("authorization").required()?,
            stage: o.string("stage").required()?,
            status: o.string("status").required()?,
            login_id_caption: o.string("loginIdCaption").optional()?,
            password_caption: o.string("passwordCaption").optional()?,
            security_code_caption: o.string("securityCodeCaption").optional()?,
            secondary_login_id_caption: o.string("secondaryLoginIdCaption").optional()?,
            user_token_caption: o.string("userTokenCaption").optional()?,
            forgotten_password_url: o.string("forgottenPasswordUrl").optional()?,
            features: None,
            stats: optional_object(o, "stats", |s| {
                Some(InstitutionStats {
                    average_duration_ms: optional_object(s, "averageDurationMs", |d| {
                        Some(AverageDurations {
                            verify_credentials: d.whole("verifyCredentials").optional()?,
                            retrieve_accounts: d.whole("retrieveAccounts").optional()?,
                            retrieve_transactions: d.whole("retrieveTransactions").optional()?,
                            retrieve_meta: d.whole("retrieveMeta").optional()?,
                            total: d.whole("total").optional()?,
                        })
                    })?,
                })
            })?,
            logo: optional_object(o, "logo", |l| {
                Some(Logo {
                    kind: l.string("type").required()?,
                    links: LogoLinks::from_object(&l.object("links").required()?)?,
                    colors: None,
                })
            })?,
            links: None,
        })
    }
}

impl LogoLinks {
    /// Logo links from their object as the browser parsed it.
    pub fn from_object(o: &impl JsonObject) -> Option<Self> {
        Some(Self {
            square: o.string("square").optional()?,
            full: o.string("full").optional()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value, json};

    use super::*;

    /// The reader and serde decide alike on `v` (serde's answer without the opaque fields the
    /// reader does not keep, `plain`); the answer.
    fn agree<T>(
        v: &Value,
        read: fn(&Map<String, Value>) -> Option<T>,
        plain: fn(&mut T),
    ) -> Option<T>
    where
        T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        let serde = serde_json::from_value::<T>(v.clone()).ok().map(|mut t| {
            plain(&mut t);
            t
        });
        let fields = v.as_object().and_then(read);
        assert_eq!(fields, serde, "{v}");
        fields
    }

    fn plain_result(r: &mut StepResult) {
        match r {
            StepResult::Mfa(m) => m.links = None,
            StepResult::Many(all) => all.iter_mut().for_each(plain_result),
            StepResult::Link(_) | StepResult::Failure(_) => {}
        }
    }

    fn plain_job(j: &mut Job) {
        if let Some(i) = &mut j.institution {
            i.links = None;
        }
        for step in &mut j.steps {
            if let Some(r) = &mut step.result {
                plain_result(r);
            }
        }
    }

    fn plain_institution(i: &mut Institution) {
        i.features = None;
        i.links = None;
        if let Some(l) = &mut i.logo {
            l.colors = None;
        }
    }

    /// Every field at every depth of `base` removed or replaced by values of each JSON type
    /// (no array where an object was: serde's positional form of a struct).
    fn mutations(base: &Value) -> Vec<Value> {
        fn walk(v: &Value, path: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
            match v {
                Value::Object(o) => {
                    for (k, inner) in o {
                        path.push(Value::String(k.clone()));
                        out.push(path.clone());
                        walk(inner, path, out);
                        path.pop();
                    }
                }
                Value::Array(a) => {
                    for (i, inner) in a.iter().enumerate() {
                        path.push(json!(i));
                        out.push(path.clone());
                        walk(inner, path, out);
                        path.pop();
                    }
                }
                _ => {}
            }
        }
        fn at<'a>(v: &'a mut Value, path: &[Value]) -> &'a mut Value {
            path.iter().fold(v, |v, p| match p {
                Value::String(k) => &mut v[k.as_str()],
                p => &mut v[p.as_u64().unwrap() as usize],
            })
        }
        let mut paths = Vec::new();
        walk(base, &mut Vec::new(), &mut paths);
        let values = [
            json!(null),
            json!("s"),
            json!("in-progress"),
            json!(7),
            json!(-7),
            json!(1.5),
            json!(true),
            json!({}),
            json!([]),
            json!(["s"]),
        ];
        let mut out = Vec::new();
        for path in &paths {
            let (last, parent) = path.split_last().unwrap();
            if let Value::String(k) = last {
                let mut gone = base.clone();
                at(&mut gone, parent).as_object_mut().unwrap().remove(k);
                out.push(gone);
            }
            let was = at(&mut base.clone(), path).clone();
            // An element of a list of objects: a string or a list there makes one serde reads
            // as a struct positionally.
            let in_objects = last.is_u64()
                && at(&mut base.clone(), parent)
                    .as_array()
                    .is_some_and(|a| a.iter().all(Value::is_object));
            let strings = was
                .as_array()
                .is_some_and(|a| a.iter().all(Value::is_string));
            for value in &values {
                // An array where serde would read a struct positionally.
                if (was.is_object() && value.is_array())
                    || (*value == json!(["s"]) && !strings && !was.is_string())
                    || (in_objects && (value.is_string() || value.is_array()))
                {
                    continue;
                }
                let mut changed = base.clone();
                *at(&mut changed, path) = value.clone();
                out.push(changed);
            }
        }
        out
    }

    fn job(v: &Map<String, Value>) -> Option<Job> {
        Job::from_object(v)
    }

    fn institution(v: &Map<String, Value>) -> Option<Institution> {
        Institution::from_object(v)
    }

    #[test]
    fn recorded_jobs_read_from_their_fields_as_serde_reads_them() {
        for file in [
            "recorded/jobs/getJob.json",
            "recorded/connections/createConnection.json",
            "recorded/connections/refreshConnection.json",
            "recorded/connections/updateConnection.json",
            "recorded/jobs/postMfa.json",
        ] {
            let v: Value = serde_json::from_str(&crate::reference(file)).unwrap();
            assert!(agree(&v, job, plain_job).is_some(), "{file}");
            for changed in mutations(&v) {
                agree(&changed, job, plain_job);
            }
        }
    }

    #[test]
    fn jobs_with_every_kind_of_result_read_as_serde_reads_them() {
        let v = json!({"type": "job", "id": "j1", "created": "t", "steps": [
            {"title": "verify-credentials", "status": "success",
             "result": {"type": "link", "url": "/users/u/connections/c"}},
            {"title": "mfa-challenge", "status": "in-progress",
             "result": {"type": "mfa", "method": "token", "description": "Code?",
                        "input": ["Code"], "expiryMs": 60000, "links": {"response": "/x"}}},
            {"title": "retrieve-accounts", "status": "failed",
             "result": {"code": "invalid-credentials", "title": "t", "details": "d"}},
            {"title": "retrieve-transactions", "status": "weird",
             "result": [{"type": "link", "url": "/a"}]},
            {"title": "retrieve-meta", "status": "pending", "result": null},
        ], "institution": {"type": "institution", "id": "AU00000", "links": {}},
           "links": {"self": "/jobs/j1", "source": "/users/u/connections/c"}});
        let read = agree(&v, job, plain_job).unwrap();
        assert_eq!(read.steps.len(), 5);
        assert_eq!(read.steps[3].status, StepStatus::Unknown);
        assert!(matches!(read.steps[2].result, Some(StepResult::Failure(_))));
        for changed in mutations(&v) {
            agree(&changed, job, plain_job);
        }
        let mut both = v.clone();
        both["steps"][2]["result"]["detail"] = json!("d");
        assert_eq!(agree(&both, job, plain_job), None);
    }

    #[test]
    fn recorded_institutions_read_from_their_fields_as_serde_reads_them() {
        let v: Value = serde_json::from_str(&crate::reference(
            "recorded/institutions/getInstitution.json",
        ))
        .unwrap();
        assert!(agree(&v, institution, plain_institution).is_some());
        for changed in mutations(&v) {
            agree(&changed, institution, plain_institution);
        }
    }
}
