package checkout

// Waiters is how many sales wait for a notification (tests only).
func Waiters(e *Engine) int {
	e.notify.mu.Lock()
	defer e.notify.mu.Unlock()
	return len(e.notify.waiters)
}
