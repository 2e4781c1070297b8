package money

// ForgetExponents undoes SetExponent (tests only).
func ForgetExponents() {
	statedMu.Lock()
	clear(stated)
	statedMu.Unlock()
}
