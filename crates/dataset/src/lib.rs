//! Responses as a table: files in (CSV, XLSX), checked against the form, held by column; CSV
//! out in the same convention. Pure: the caller reads and writes the bytes.

mod columns;
mod csvtext;
pub mod export;
mod read;
mod stream;
mod synth;
mod write;

pub use columns::{Column, MAX_MULTI_CHOICES, Responses, TextColumn};
pub use read::{InputError, Loaded, METADATA, ReadOptions, read_responses};
pub use stream::{for_each_part, read_responses_file};
pub use synth::generate as generate_demo_responses;
pub use write::{formula_safe, write_csv};
