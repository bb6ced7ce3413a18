namespace LogitNet.Losses;

/// <summary>Checks of the focal losses' options.</summary>
internal static class FocalOptions
{
    public static float CheckAlpha(float alpha)
    {
        if (!(alpha >= 0f && alpha <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "Expected alpha in [0, 1] (Keras's default is 0.25).");
        }

        return alpha;
    }

    public static float CheckGamma(float gamma)
    {
        if (!(gamma >= 0f && float.IsFinite(gamma)))
        {
            throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "Expected a finite gamma ≥ 0 (0 gives plain cross-entropy; 2 is the usual choice).");
        }

        return gamma;
    }
}
