//! msstun.so: the Wireshark plugin.
