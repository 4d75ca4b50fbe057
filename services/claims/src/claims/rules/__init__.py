"""What the policy says, as pure functions over plain data (no I/O). Each decision cites its clause."""
