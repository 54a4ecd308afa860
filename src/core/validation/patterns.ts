/** Input formats shared by several modules' DTOs. */
export const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
export const MONEY = /^\d{1,12}(\.\d{1,2})?$/;
export const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
