export * from './errors';
export * from './validation';
export * from './jalali';
export * from './policy';
export * from './money';
