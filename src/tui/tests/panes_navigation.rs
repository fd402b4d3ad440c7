//! Key sequences in panes 3-5: movement, jumps to anomalies, opening what
//! is selected elsewhere, following audit links and coming back with Esc.
