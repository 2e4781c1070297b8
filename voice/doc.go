// Package voice says a payment received aloud, the way counters in Hong
// Kong and China announce it (到账语音播报) so the cashier hears the amount
// without looking at a screen that a fake payment screenshot could fool:
// "WeChat Pay received twelve dollars fifty" in English, "微信收款十二元五角"
// in Mandarin for 简体中文 and "微信收款十二蚊五毫" in Cantonese for 繁體中文.
//
// Words turns an amount into the words people use for money in each
// language; Speak renders a phrase with espeak-ng (voices en, cmn, yue)
// into a WAV file and plays it with the system's player. Where espeak-ng
// or a player is missing Speak returns an error and the caller plays the
// chime instead. qfpos links no speech or audio library.
package voice
