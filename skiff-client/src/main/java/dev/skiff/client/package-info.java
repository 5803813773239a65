/**
 * Reads past runs from a Skiff home: {@link dev.skiff.client.SkiffClient} lists the runs of a
 * pipeline and opens one ({@link dev.skiff.client.RunView}), its steps ({@link
 * dev.skiff.client.StepView}), their outputs as Java values and their visualizations.
 */
package dev.skiff.client;
