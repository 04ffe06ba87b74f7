//! The list cursor decoder: any string is refused or decodes to a cursor
//! that encodes back to a string decoding to the same cursor.
#![no_main]

use domain::cursor::Cursor;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, u32)| {
    let (s, query) = input;
    if let Ok(cursor) = Cursor::decode(s, query) {
        let again = Cursor::decode(&cursor.encode(), query);
        assert_eq!(again.ok(), Some(cursor));
    }
});
