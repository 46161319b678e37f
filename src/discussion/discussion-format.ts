import { DateTime } from 'luxon';

/** A moment for a `<time>` element: machine-readable ISO and text in the reader's locale. */
export interface TimeText {
  iso: string;
  text: string;
}

/**
 * The launch's locale if Intl can use it, else English. Platforms send what they like in
 * launch_presentation.locale, and one malformed tag must not break every page.
 */
export function usableLocale(locale: string): string {
  // Moodle and others write POSIX-style tags (fr_CA); BCP 47 wants fr-CA.
  const tag = locale.replace(/_/g, '-');
  try {
    return Intl.DateTimeFormat.supportedLocalesOf([tag]).length > 0 ? tag : 'en';
  } catch {
    return 'en';
  }
}

/**
 * Times render in the space's time zone (the event's, which everyone in it shares; a launch says
 * no zone of its own) and the launch's locale, with the zone named so nobody misreads them.
 */
export function timeFormatter(zone: string, locale: string): (ms: number) => TimeText {
  return (ms) => {
    const dt = DateTime.fromMillis(ms, { zone }).setLocale(locale);
    return { iso: new Date(ms).toISOString(), text: dt.toLocaleString({ ...DateTime.DATETIME_MED, timeZoneName: 'short' }) };
  };
}
