/** @mesh/sample-app (being built). */
export const PACKAGE_NAME = '@mesh/sample-app';
