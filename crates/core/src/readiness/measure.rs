//! Impact and timeline: a number a reader can weigh, and times.
//!
//! A measure is a number with a unit — in digits (`1,200 users`, `30分`,
//! `２万件`), in kanji numerals (`約千二百人`, `数百万円規模`, `六割`) or in
//! words (`forty minutes`, `twelve hundred customers`, `thousands of
//! orders`) — or a number after a currency sign (`$3,000`, `¥5万`). A time
//! is a clock time (`14:05`, `14時5分`, `午後2時`) or a time relative to
//! the start (`T+42m`, `T+0`).

fn digit_value(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

const JA_UNITS: [&str; 26] = [
    "人",
    "件",
    "名",
    "分",
    "時間",
    "秒",
    "日",
    "円",
    "回",
    "社",
    "店舗",
    "％",
    "%",
    "割",
    "ユーザ",
    "台",
    "リクエスト",
    "エラー",
    "ドル",
    "ヶ月",
    "か月",
    "カ月",
    "週",
    "倍",
    "アカウント",
    "注文",
];

const EN_UNITS: [&str; 101] = [
    "%",
    "percent",
    "users",
    "user",
    "customers",
    "customer",
    "people",
    "persons",
    "requests",
    "request",
    "req",
    "rps",
    "qps",
    "tps",
    "errors",
    "error",
    "orders",
    "order",
    "transactions",
    "sessions",
    "accounts",
    "calls",
    "jobs",
    "messages",
    "emails",
    "pages",
    "minutes",
    "minute",
    "mins",
    "min",
    "hours",
    "hour",
    "hrs",
    "hr",
    "h",
    "seconds",
    "second",
    "secs",
    "sec",
    "s",
    "ms",
    "days",
    "day",
    "weeks",
    "k",
    "m",
    "million",
    "thousand",
    "billion",
    "usd",
    "jpy",
    "eur",
    "yen",
    "dollars",
    "times",
    "x",
    "b",
    "bn",
    "queries",
    "query",
    "searches",
    "visits",
    "visitors",
    "payments",
    "tickets",
    "files",
    "records",
    "rows",
    "events",
    "builds",
    "deploys",
    "deployments",
    "pods",
    "nodes",
    "servers",
    "instances",
    "hosts",
    "stores",
    "shops",
    "merchants",
    "sellers",
    "partners",
    "devices",
    "clients",
    "members",
    "employees",
    "subscribers",
    "downloads",
    "uploads",
    "logins",
    "signups",
    "purchases",
    "bookings",
    "reservations",
    "alerts",
    "hits",
    "packets",
    "gb",
    "tb",
    "mb",
    "percentage points",
];

const CURRENCY: [char; 5] = ['$', '¥', '￥', '€', '£'];

/// A number with a unit, or after a currency sign.
pub fn has_measure(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !digit_value(chars[i]) {
            i += 1;
            continue;
        }
        let before = chars[..i].iter().rev().find(|c| !c.is_whitespace());
        if before.is_some_and(|c| CURRENCY.contains(c)) {
            return true;
        }
        let mut j = i;
        while j < chars.len()
            && (digit_value(chars[j]) || matches!(chars[j], ',' | '.' | '，' | '．'))
        {
            j += 1;
        }
        let rest: String = chars[j..].iter().take(24).collect();
        if unit_follows(rest.trim_start()) {
            return true;
        }
        i = j.max(i + 1);
    }
    has_kanji_measure(&chars) || has_worded_measure(text)
}

/// Kanji numerals: a number value (not 数 alone: 数人 is "a few people").
const KANJI_DIGITS: &str = "〇一二三四五六七八九十百千万億";

fn has_kanji_measure(chars: &[char]) -> bool {
    let mut i = 0;
    while i < chars.len() {
        let numeral = |c: char| KANJI_DIGITS.contains(c) || c == '数';
        if !numeral(chars[i]) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < chars.len() && numeral(chars[j]) {
            j += 1;
        }
        let valued = chars[i..j].iter().any(|c| KANJI_DIGITS.contains(*c));
        let rest: String = chars[j..].iter().take(12).collect();
        if valued && JA_UNITS.iter().any(|u| rest.starts_with(u)) {
            return true;
        }
        i = j;
    }
    false
}

const NUMBER_WORDS: [&str; 38] = [
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "seventy",
    "eighty",
    "ninety",
    "hundred",
    "hundreds",
    "thousand",
    "thousands",
    "million",
    "millions",
    "dozen",
    "dozens",
    "half",
    "a",
    "an",
];

/// A number in words followed by a unit: "forty minutes", "twelve hundred
/// customers", "thousands of orders", "an hour".
fn has_worded_measure(text: &str) -> bool {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '%'))
        .filter(|w| !w.is_empty())
        .collect();
    for (i, word) in words.iter().enumerate() {
        if !NUMBER_WORDS.contains(word) || matches!(*word, "a" | "an") && i + 1 == words.len() {
            continue;
        }
        let mut j = i;
        while j < words.len() && (NUMBER_WORDS.contains(&words[j]) || words[j] == "and") {
            j += 1;
        }
        // "a"/"an" alone counts only before a unit of time ("an hour").
        let only_article = words[i..j].iter().all(|w| matches!(*w, "a" | "an"));
        let mut k = j;
        if words.get(k) == Some(&"of") {
            k += 1;
        }
        let Some(next) = words.get(k) else { continue };
        let unit = EN_UNITS.contains(next) && next.len() > 1;
        let time = matches!(*next, "hour" | "minute" | "day" | "week");
        if (unit && !only_article) || time {
            return true;
        }
    }
    false
}

fn unit_follows(rest: &str) -> bool {
    let rest = rest
        .trim_start_matches(['万', '千', '百', '億'])
        .trim_start();
    if JA_UNITS.iter().any(|u| rest.starts_with(u)) {
        return true;
    }
    let lower = rest.to_lowercase();
    EN_UNITS.iter().any(|u| {
        lower.strip_prefix(u).is_some_and(|after| {
            u.starts_with('%') || !after.starts_with(|c: char| c.is_ascii_alphanumeric())
        })
    })
}

/// A clock time: `14:05`, `14：05`, `14時`, `午後2時`.
pub fn has_time(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    for i in 0..chars.len() {
        if !digit_value(chars[i]) {
            continue;
        }
        let mut j = i;
        while j < chars.len() && digit_value(chars[j]) {
            j += 1;
        }
        let len = j - i;
        if len > 2 {
            continue;
        }
        match chars.get(j) {
            Some(':' | '：') => {
                let two = chars.get(j + 1..j + 3);
                if two.is_some_and(|d| d.iter().all(|c| digit_value(*c))) {
                    return true;
                }
            }
            Some('時') => return true,
            _ => {}
        }
    }
    has_relative_time(&chars)
}

/// `T+42m`, `T+0`, `T-5m`, `T＋1h`: time since the incident started.
fn has_relative_time(chars: &[char]) -> bool {
    chars.windows(3).enumerate().any(|(i, w)| {
        let before = i.checked_sub(1).and_then(|b| chars.get(b));
        w[0] == 'T'
            && matches!(w[1], '+' | '＋' | '-' | '−')
            && digit_value(w[2])
            && !before.is_some_and(|c| c.is_alphanumeric())
    })
}
