"""Sound: ABC -> MIDI -> WAV clips (render, synth), the render pool and cache, the streams
that judge a corpus as it renders, and the audio player."""
