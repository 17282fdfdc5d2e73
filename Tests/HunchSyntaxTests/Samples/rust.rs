//! A word-frequency counter.
use std::collections::HashMap;
use std::fmt;

pub const MIN_LENGTH: usize = 2;

#[derive(Debug, Clone, PartialEq)]
pub struct WordCount {
    pub word: String,
    pub count: usize,
}

pub enum Order {
    ByCount,
    Alphabetical,
}

pub trait Summary {
    fn summary(&self) -> String;
}

impl fmt::Display for WordCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.word, self.count)
    }
}

impl Summary for Vec<WordCount> {
    fn summary(&self) -> String {
        self.iter().map(|w| w.to_string()).collect::<Vec<_>>().join(", ")
    }
}

pub fn count_words(text: &str, order: Order) -> Vec<WordCount> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for word in text.split_whitespace() {
        let word = word.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
        if word.len() >= MIN_LENGTH {
            *counts.entry(word).or_insert(0) += 1;
        }
    }
    let mut result: Vec<WordCount> = counts
        .into_iter()
        .map(|(word, count)| WordCount { word, count })
        .collect();
    match order {
        Order::ByCount => result.sort_by(|a, b| b.count.cmp(&a.count).then(a.word.cmp(&b.word))),
        Order::Alphabetical => result.sort_by(|a, b| a.word.cmp(&b.word)),
    }
    result
}

mod tests {
    #[allow(dead_code)]
    fn sample() -> &'static str {
        "the cat and the hat"
    }
}
