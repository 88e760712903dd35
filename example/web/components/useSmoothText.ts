import { useEffect, useRef, useState } from "react";

/** Characters revealed per animation frame at least (about 60 per second at 60 fps). */
const MIN_CHARS_PER_FRAME = 1;
/** Fraction of the hidden rest revealed per frame, so a long burst catches up within ~a second. */
const CATCH_UP_FRACTION = 0.08;

/**
 * Text that reveals smoothly as `text` grows (streamed agent text).
 *
 * The shown length only grows while `text` extends what is shown, so a stream
 * compacted into its durable message (the same text, now from the page)
 * never jumps back, flickers or doubles. A text that does not extend what is
 * shown (edited, rolled back) is shown whole at once. With `animate` false
 * from the start (a finished message) the whole text shows at once; a
 * stream that ends keeps revealing until it caught up.
 *
 * @param text - The text so far.
 * @param animate - Reveal gradually (true while streaming).
 * @returns the prefix of `text` to show now.
 */
export function useSmoothText(text: string, animate: boolean): string {
  const [shown, setShown] = useState(() => (animate ? 0 : text.length));
  const target = useRef(text);
  target.current = text;
  // Once revealing, keep revealing after the stream ends (its text compacted into the message).
  const revealing = useRef(animate);
  if (animate) revealing.current = true;
  const visible = Math.min(shown, text.length);
  useEffect(() => {
    if (visible >= text.length) return;
    if (!revealing.current) {
      setShown(text.length);
      return;
    }
    const frame = requestAnimationFrame(() => {
      setShown((current) => {
        const rest = target.current.length - current;
        return current + Math.max(MIN_CHARS_PER_FRAME, Math.ceil(rest * CATCH_UP_FRACTION));
      });
    });
    return () => cancelAnimationFrame(frame);
  }, [visible, text, animate]);
  return text.slice(0, visible);
}
