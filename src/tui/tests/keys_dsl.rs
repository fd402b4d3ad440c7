//! The key-string language of the tests parses as documented.

use super::harness::keys;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[test]
fn characters_and_named_keys() {
    let none = KeyModifiers::NONE;
    assert_eq!(
        keys("jG<enter><c-c><lt>"),
        vec![
            KeyEvent::new(KeyCode::Char('j'), none),
            KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT),
            KeyEvent::new(KeyCode::Enter, none),
            KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
            KeyEvent::new(KeyCode::Char('<'), none),
        ]
    );
    assert_eq!(keys("<backtab>")[0].code, KeyCode::BackTab);
    assert_eq!(keys("").len(), 0);
}
