//! The `:filter` words beyond `field=value`: a regular expression over the
//! stored line (`/Backup.*Restore/`), a negated condition
//! (`!process=Backup_Restore`, `!/regex/`), and the verification status
//! of the row (`violated`, `implicated`, `status=warning`, `status=ok`).

use super::Spec;
use crate::tui::marks::Marks;

/// Largest compiled regular expression accepted: a filter runs over every
/// line of a chain, and a pattern that compiles to megabytes is a mistake.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// The words of `text`: split at spaces, except inside `/.../` (a regular
/// expression may hold spaces; `\/` does not close it).
pub fn tokenize(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let body = rest.strip_prefix('!').unwrap_or(rest);
        let len = if let Some(re) = body.strip_prefix('/') {
            let close = closing_slash(re)
                .ok_or_else(|| format!("{rest:?}: a regular expression ends with /"))?;
            (rest.len() - re.len()) + close + 1
        } else {
            rest.find(char::is_whitespace).unwrap_or(rest.len())
        };
        out.push(rest[..len].to_owned());
        rest = rest[len..].trim_start();
    }
    Ok(out)
}

/// The byte position of the first `/` not escaped by `\` in `s`.
fn closing_slash(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '/' if !escaped => return Some(i),
            _ => escaped = false,
        }
    }
    None
}

/// What verification says of a row, as a filter word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// ✘: a violation on the line, or one of another file that implicates it.
    Violated,
    /// Named by another file's finding (a manifest line that no longer
    /// matches the records it attested).
    Implicated,
    /// ⚠: a warning or something that could not be read, no violation.
    Warning,
    /// ✔: nothing found.
    Ok,
}

impl Status {
    fn parse(word: &str) -> Option<Status> {
        Some(match word {
            "violated" | "violation" => Status::Violated,
            "implicated" => Status::Implicated,
            "warning" => Status::Warning,
            "ok" | "verified" => Status::Ok,
            _ => return None,
        })
    }

    /// Whether 0-based `line` has this status in `marks`.
    pub fn holds(self, marks: Option<&Marks>, line: u64) -> bool {
        let mark = marks.and_then(|m| m.at(line + 1));
        let rank = crate::tui::sort::status_rank(marks, line);
        match self {
            Status::Violated => rank <= 1,
            Status::Implicated => mark.is_some_and(|m| m.implicated),
            Status::Warning => rank == 2 || rank == 3,
            Status::Ok => rank == 4,
        }
    }
}

/// Take `word` into `spec` when it is one of this module's words: whether
/// it was (a `field=value` word is left to the caller).
pub fn special(spec: &mut Spec, word: &str) -> Result<bool, String> {
    if let Some(rest) = word.strip_prefix('!') {
        if rest.is_empty() || rest.starts_with('!') {
            return Err(format!("{word:?}: ! is followed by one condition"));
        }
        let mut inner = Spec::default();
        if !special(&mut inner, rest)? {
            inner = super::parse(rest)?;
        }
        spec.not.push(inner);
        return Ok(true);
    }
    if let Some(re) = word.strip_prefix('/').and_then(|w| w.strip_suffix('/')) {
        if re.is_empty() {
            return Err("an empty regular expression (//)".into());
        }
        let re = regex::RegexBuilder::new(&re.replace("\\/", "/"))
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(|e| format!("/{re}/ is not a regular expression: {e}"))?;
        spec.regex.push(re);
        return Ok(true);
    }
    let status = word.strip_prefix("status=").unwrap_or(word);
    if let Some(s) = Status::parse(status) {
        spec.status.push(s);
        return Ok(true);
    }
    if word.starts_with("status=") {
        return Err(format!(
            "status {status:?} is not one of violated, implicated, warning, ok"
        ));
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_at_spaces_except_inside_a_regex() {
        assert_eq!(
            tokenize(" level>=3  /a b\\/c/ !/x y/ !process=P").unwrap(),
            ["level>=3", "/a b\\/c/", "!/x y/", "!process=P"]
        );
        assert!(tokenize("/open").unwrap_err().contains("ends with /"));
    }

    #[test]
    fn special_words_become_conditions_and_bad_ones_say_why() {
        let mut s = Spec::default();
        assert!(special(&mut s, "/Backup.*Restore/").unwrap());
        assert!(special(&mut s, "!process=ENG.1").unwrap());
        assert!(special(&mut s, "violated").unwrap());
        assert!(special(&mut s, "status=implicated").unwrap());
        assert!(!special(&mut s, "level=3").unwrap());
        assert_eq!((s.regex.len(), s.not.len()), (1, 1));
        assert_eq!(s.status, [Status::Violated, Status::Implicated]);
        assert_eq!(s.not[0].find.process.as_deref(), Some("ENG.1"));
        assert!(
            special(&mut s, "/(/")
                .unwrap_err()
                .contains("not a regular")
        );
        assert!(
            special(&mut s, "status=green")
                .unwrap_err()
                .contains("violated")
        );
        assert!(special(&mut s, "!").unwrap_err().contains("one condition"));
        assert!(special(&mut s, "!colour=red").is_err());
    }
}
