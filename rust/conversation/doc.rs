//! The v1 message documents: JSON values changed in place by pointer operations.
//!
//! Every function here is iterative (documents may nest deeply; a recursive drop or walk would
//! overflow the stack) and costs time proportional to the operation, except where it adds the
//! extra cost to the `work` counter that the caller bounds.

use serde_json::{Map, Value};

/// What an operation did to a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Applied {
    /// It did not fit the document and was skipped.
    No,
    /// It added its value.
    Grew,
    /// It removed or shortened something.
    Shrunk,
}

impl From<bool> for Applied {
    fn from(applied: bool) -> Self {
        if applied {
            Self::Grew
        } else {
            Self::No
        }
    }
}

/// Drops a value without recursion (the drop of a deeply nested `Value` is recursive).
pub(super) fn drop_value(v: Value) {
    let mut stack = match v {
        Value::Array(a) => a,
        Value::Object(m) => m.into_iter().map(|(_, v)| v).collect(),
        _ => return,
    };
    while let Some(v) = stack.pop() {
        match v {
            Value::Array(a) => stack.extend(a),
            Value::Object(m) => stack.extend(m.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

/// An upper bound of the memory a JSON value adds to a document (bytes of JSON text) and its
/// nesting depth (0 for a scalar, 1 for a flat array or object).
pub(super) fn measure(v: &Value) -> (usize, usize) {
    let mut size = 0;
    let mut depth = 0;
    let mut stack = vec![(v, 0_usize)];
    while let Some((v, level)) = stack.pop() {
        match v {
            Value::Null | Value::Bool(_) => size += 5,
            Value::Number(_) => size += 24,
            Value::String(s) => size += s.len() + 2,
            Value::Array(a) => {
                size += a.len() + 2;
                depth = depth.max(level + 1);
                stack.extend(a.iter().map(|x| (x, level + 1)));
            }
            Value::Object(m) => {
                size += 2;
                depth = depth.max(level + 1);
                for (k, x) in m {
                    size += k.len() + 3;
                    stack.push((x, level + 1));
                }
            }
        }
    }
    (size, depth)
}

/// The number of reference tokens of a JSON pointer (its nesting level in a document).
pub(super) fn segments(path: &str) -> usize {
    path.bytes().filter(|&b| b == b'/').count()
}

/// The UTF-16 length of a string (JavaScript string length, as the web client counts).
pub(super) fn utf16_len(s: &str) -> usize {
    // One unit per character, two for a character outside the BMP (4 UTF-8 bytes).
    s.bytes()
        .map(|b| usize::from(b & 0xC0 != 0x80) + usize::from(b >= 0xF0))
        .sum()
}

/// Truncates `s`, whose UTF-16 length is `units`, to `n` units (never splitting a character),
/// working from the end: O(removed text). Returns the new UTF-16 length.
pub(super) fn truncate_utf16_from_end(s: &mut String, mut units: usize, n: usize) -> usize {
    let mut end = s.len();
    for ch in s.chars().rev() {
        if units <= n {
            break;
        }
        units -= ch.len_utf16();
        end -= ch.len_utf8();
    }
    s.truncate(end);
    units
}

/// Truncates a string to `n` UTF-16 code units, never splitting a character; O(kept text).
fn truncate_utf16(s: &mut String, n: usize) {
    let mut units = 0;
    for (i, ch) in s.char_indices() {
        units += ch.len_utf16();
        if units > n {
            s.truncate(i);
            return;
        }
    }
}

fn append_into(target: &mut Value, v: Value) -> bool {
    match (target, v) {
        (Value::String(t), Value::String(s)) => t.push_str(&s),
        (Value::Array(t), Value::Array(a)) => t.extend(a),
        (Value::Array(t), x) => t.push(x),
        (Value::Object(t), Value::Object(m)) => {
            for (k, x) in m {
                if let Some(old) = t.insert(k, x) {
                    drop_value(old);
                }
            }
        }
        (t @ Value::Null, x) => *t = x,
        _ => return false,
    }
    true
}

fn truncate_value(target: &mut Value, v: &Value, work: &mut u64) -> bool {
    let Some(n) = v.as_u64().and_then(|n| usize::try_from(n).ok()) else {
        return false;
    };
    match target {
        Value::String(s) => {
            // UTF-16 units never exceed UTF-8 bytes: a cut at or past the byte length is a no-op.
            if n < s.len() {
                *work += n as u64;
                truncate_utf16(s, n);
            }
        }
        Value::Array(a) => {
            if n < a.len() {
                drop_value(Value::Array(a.split_off(n)));
            }
        }
        _ => return false,
    }
    true
}

fn unescape_segment(seg: &str) -> String {
    if seg.contains('~') {
        seg.replace("~1", "/").replace("~0", "~")
    } else {
        seg.to_owned()
    }
}

/// Applies one operation at a JSON pointer. Operations that do not fit the document (missing
/// parent, wrong types, unknown op) are skipped, as a tolerant client would.
pub(super) fn apply(doc: &mut Value, path: &str, op: &str, v: Value, work: &mut u64) -> Applied {
    if path.is_empty() {
        return match op {
            "add" | "replace" => {
                drop_value(std::mem::replace(doc, v));
                Applied::Grew
            }
            "remove" => {
                drop_value(std::mem::take(doc));
                Applied::Shrunk
            }
            "append" => append_into(doc, v).into(),
            "truncate" if truncate_value(doc, &v, work) => Applied::Shrunk,
            _ => Applied::No,
        };
    }
    let Some(cut) = path.rfind('/') else {
        return Applied::No;
    };
    let (parent_path, last) = (&path[..cut], &path[cut + 1..]);
    let Some(parent) = doc.pointer_mut(parent_path) else {
        return Applied::No;
    };
    match parent {
        Value::Object(m) => apply_in_object(m, &unescape_segment(last), op, v, work),
        Value::Array(a) => {
            let idx = if last == "-" {
                a.len()
            } else {
                // As in `Value::pointer_mut`: no sign, no leading zero.
                if last.starts_with('+') || (last.starts_with('0') && last.len() != 1) {
                    return Applied::No;
                }
                match last.parse::<usize>() {
                    Ok(i) => i,
                    Err(_) => return Applied::No,
                }
            };
            apply_in_array(a, idx, op, v, work)
        }
        _ => Applied::No,
    }
}

fn apply_in_object(
    m: &mut Map<String, Value>,
    key: &str,
    op: &str,
    v: Value,
    work: &mut u64,
) -> Applied {
    match op {
        "add" | "replace" => {
            if let Some(old) = m.insert(key.to_owned(), v) {
                drop_value(old);
            }
            Applied::Grew
        }
        "remove" => match m.remove(key) {
            Some(old) => {
                drop_value(old);
                Applied::Shrunk
            }
            None => Applied::No,
        },
        "append" => match m.get_mut(key) {
            Some(t) => append_into(t, v).into(),
            None => {
                m.insert(key.to_owned(), v);
                Applied::Grew
            }
        },
        "truncate" => match m.get_mut(key) {
            Some(t) => {
                if truncate_value(t, &v, work) {
                    Applied::Shrunk
                } else {
                    Applied::No
                }
            }
            None => Applied::No,
        },
        _ => Applied::No,
    }
}

fn apply_in_array(a: &mut Vec<Value>, idx: usize, op: &str, v: Value, work: &mut u64) -> Applied {
    let len = a.len();
    match op {
        "add" if idx <= len => {
            // Inserting shifts the elements after it.
            *work += (len - idx) as u64;
            a.insert(idx, v);
            Applied::Grew
        }
        "replace" if idx < len => {
            drop_value(std::mem::replace(&mut a[idx], v));
            Applied::Grew
        }
        "remove" if idx < len => {
            *work += (len - idx) as u64;
            drop_value(a.remove(idx));
            Applied::Shrunk
        }
        "append" if idx < len => append_into(&mut a[idx], v).into(),
        "append" if idx == len => {
            a.push(v);
            Applied::Grew
        }
        "truncate" if idx < len && truncate_value(&mut a[idx], &v, work) => Applied::Shrunk,
        _ => Applied::No,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_counts_utf16() {
        let mut s = String::from("a\u{1F600}b");
        truncate_utf16(&mut s, 3);
        assert_eq!(s, "a\u{1F600}");
        truncate_utf16(&mut s, 2);
        assert_eq!(s, "a");
        let mut s = String::from("a\u{1F600}b\u{e9}");
        assert_eq!(utf16_len(&s), 5);
        assert_eq!(truncate_utf16_from_end(&mut s, 5, 3), 3);
        assert_eq!(s, "a\u{1F600}");
        assert_eq!(truncate_utf16_from_end(&mut s, 3, 2), 1);
        assert_eq!(s, "a");
    }

    #[test]
    fn deep_values_drop_and_measure_without_recursion() {
        let mut v = Value::Null;
        for i in 0..200_000 {
            v = if i % 2 == 0 {
                Value::Array(vec![v])
            } else {
                let mut m = Map::new();
                m.insert(String::new(), v);
                Value::Object(m)
            };
        }
        assert_eq!(measure(&v).1, 200_000);
        drop_value(v);
    }
}
