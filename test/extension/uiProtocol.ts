/**
 * What an extension test suite asks the harness to do in the workbench page, and the answer:
 * the suite posts `{"action":"steps","steps":[...]}` to the UI driver (./uiDriver.ts), which
 * plays them in order with playwright. No imports: both sides load it.
 */
export type UiStep =
  /** Waits until an element matching `selector` (and holding `text`) is visible. */
  | { waitFor: string; text?: string; timeoutMs?: number }
  /** Clicks the first visible element matching `selector` (and holding `text`). */
  | { click: string; text?: string }
  /** Right-clicks it (a context menu). */
  | { rightClick: string; text?: string }
  /**
   * Moves the mouse onto it until `shows` (holding `showsText`) appears: a tooltip. Tries a few
   * times, since a tree refresh under the mouse closes a hover that was opening.
   */
  | { hover: string; text?: string; shows: string; showsText?: string }
  /** Fills the input matching `selector` with `value`, as typing would, once it is editable. */
  | { fill: string; value: string }
  /** Types into whatever has the focus. */
  | { type: string }
  /** Presses a key, e.g. "Enter", "Escape". */
  | { press: string }
  /** Drags the right edge (the sash) of the element matching `selector` by `by` pixels. */
  | { widen: string; by: number }
  /** Waits a moment (the UI settling after typing). */
  | { sleepMs: number }
  /** The inner text of the first element matching `selector`, added to the answer's `texts`. */
  | { textOf: string }
  /** A PNG of the page, or of the first element matching `selector`, in test-results/screenshots/. */
  | { screenshot: string; selector?: string };

export interface UiAnswer {
  readonly ok: boolean;
  readonly error?: string;
  readonly texts: string[];
  readonly screenshots: string[];
}
